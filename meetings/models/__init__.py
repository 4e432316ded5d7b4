from .people import Profile, RoleCategory, UserKind
from .province import Province, Region
from .registration import Prefix, Registration, RegistrationStatus
from .session import AgendaItem, Quota, Session, SessionChange, SessionStatus, Venue, VideoPlatform

__all__ = [
    "AgendaItem",
    "Prefix",
    "Profile",
    "Province",
    "Quota",
    "Region",
    "Registration",
    "RegistrationStatus",
    "RoleCategory",
    "Session",
    "SessionChange",
    "SessionStatus",
    "UserKind",
    "Venue",
    "VideoPlatform",
]
