"""Server-rendered pages, one module per concept; reads go through selectors, writes through services."""

from .actions import action_add, action_close, action_edit, action_list
from .causes import cause_add, cause_edit, cause_from_change_view
from .dashboard import dashboard
from .header import incident_header_change
from .history import incident_history
from .incidents import incident_declare, incident_detail, incident_edit, incident_list
from .profile import api_token_create, api_token_revoke, profile
from .timeline import (
    event_delete,
    event_detail,
    event_edit,
    event_pin,
    event_restore,
    timeline_add,
    timeline_window,
)
from .updates import status_update_post

__all__ = [
    "action_add",
    "action_close",
    "action_edit",
    "action_list",
    "api_token_create",
    "api_token_revoke",
    "cause_add",
    "cause_edit",
    "cause_from_change_view",
    "dashboard",
    "event_delete",
    "event_detail",
    "event_edit",
    "event_pin",
    "event_restore",
    "incident_declare",
    "incident_detail",
    "incident_edit",
    "incident_header_change",
    "incident_history",
    "incident_list",
    "profile",
    "status_update_post",
    "timeline_add",
    "timeline_window",
]
