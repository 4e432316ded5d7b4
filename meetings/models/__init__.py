from .people import Profile, RoleCategory, UserKind
from .province import Province, Region
from .registration import NationalIdReveal, Prefix, Registration, RegistrationStatus
from .session import AgendaItem, Quota, Session, SessionChange, SessionStatus, Venue, VideoPlatform

__all__ = [
    "AgendaItem",
    "NationalIdReveal",
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
