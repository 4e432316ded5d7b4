from .audit import AuditAction, AuditEntry, AuditLogAppendOnly
from .jobs import Job, JobStatus
from .people import Profile, RoleCategory, UserKind
from .province import Province, Region
from .session import ACTIVE_REGISTRATION, AgendaItem, Quota, Session, SessionChange, SessionStatus, Venue, VideoPlatform

__all__ = [
    "ACTIVE_REGISTRATION",
    "AgendaItem",
    "AuditAction",
    "AuditEntry",
    "AuditLogAppendOnly",
    "Job",
    "JobStatus",
    "Profile",
    "Province",
    "Quota",
    "Region",
    "RoleCategory",
    "Session",
    "SessionChange",
    "SessionStatus",
    "UserKind",
    "Venue",
    "VideoPlatform",
]
