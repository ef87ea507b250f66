from .accounts import ApiToken, Profile
from .actions import RemediationAction
from .alerts import AlertSource
from .causes import Cause
from .changes import ChangeEvent, ChangeHookDelivery, ChangeKind
from .incidents import REFERENCE_COUNTER, Counter, Incident, IncidentScopedQuerySet, Service
from .jobs import Job
from .roles import IncidentRole, IncidentRoleKind
from .search import SearchDocument
from .updates import StatusUpdate

__all__ = [
    "AlertSource",
    "REFERENCE_COUNTER",
    "ApiToken",
    "Cause",
    "ChangeEvent",
    "ChangeHookDelivery",
    "ChangeKind",
    "Counter",
    "Incident",
    "IncidentRole",
    "IncidentRoleKind",
    "IncidentScopedQuerySet",
    "Job",
    "Profile",
    "RemediationAction",
    "SearchDocument",
    "Service",
    "StatusUpdate",
]
