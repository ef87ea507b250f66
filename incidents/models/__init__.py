from .accounts import ApiToken, Profile
from .actions import RemediationAction
from .causes import Cause
from .incidents import Counter, Incident, Service
from .jobs import Job
from .updates import StatusUpdate

__all__ = [
    "ApiToken",
    "Cause",
    "Counter",
    "Incident",
    "Job",
    "Profile",
    "RemediationAction",
    "Service",
    "StatusUpdate",
]
