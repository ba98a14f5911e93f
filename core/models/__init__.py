from .access import ApiToken, LoginThrottle, Role, RoleGrant, User
from .audit import AuditEvent
from .calendar import CalendarDay
from .jobs import Job, StoredFile
from .people import Household, HouseholdMember, Person
from .policy import PolicyParameter
from .regions import Region

__all__ = [
    "ApiToken",
    "AuditEvent",
    "CalendarDay",
    "Household",
    "HouseholdMember",
    "Job",
    "LoginThrottle",
    "Person",
    "PolicyParameter",
    "Region",
    "Role",
    "RoleGrant",
    "StoredFile",
    "User",
]
