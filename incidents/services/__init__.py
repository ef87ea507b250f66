"""Writes. Each service validates everything before saving, in one transaction, and audits who did it."""

from .accounts import api_token_create, api_token_revoke, calendar_token_reset, profile_for, profile_update
from .actions import action_add, action_delete, action_restore, action_update
from .causes import cause_add, cause_delete, cause_restore, cause_update
from .declare import Declaration, incident_declare, incidents_record_many
from .incidents import (
    incident_add_participant,
    incident_restore,
    incident_update,
    service_get_or_create,
)
from .updates import status_update_post

__all__ = [
    "Declaration",
    "action_add",
    "action_delete",
    "action_restore",
    "action_update",
    "api_token_create",
    "api_token_revoke",
    "calendar_token_reset",
    "cause_add",
    "cause_delete",
    "cause_restore",
    "cause_update",
    "incident_add_participant",
    "incident_declare",
    "incident_restore",
    "incident_update",
    "incidents_record_many",
    "profile_for",
    "profile_update",
    "service_get_or_create",
    "status_update_post",
]
