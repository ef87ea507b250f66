from .accounts import ApiToken, Profile
from .actions import RemediationAction
from .causes import Cause
from .incidents import PUBLIC_INCIDENTS_COUNTER, REFERENCE_COUNTER, Counter, Incident, Service
from .jobs import Job
from .updates import StatusUpdate

__all__ = [
    "PUBLIC_INCIDENTS_COUNTER",
    "REFERENCE_COUNTER",
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
