"""Restoring an incident's record from an export (`import_incident`): its causes, action items and
status updates, taken as they were.

Like `incident_restore`, nothing is re-stamped, no system entry is written and no event is
announced (history is not news); each row is saved with the audit trail naming the actor. The
rows arrive unsaved from the export reader; this is where they are tied to the incident and their
links (evidence, causes, an update's entry) are checked to stay inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from timeline.actors import Actor, set_history_user
from timeline.models import TimelineEvent


@dataclass
class RestoredCause:
    cause: Cause  # unsaved
    evidence: list[TimelineEvent] = field(default_factory=list)
    key: Any = None  # the export's id, by which action items name it


@dataclass
class RestoredAction:
    action: RemediationAction  # unsaved
    cause_keys: list[Any] = field(default_factory=list)


def _own_events(incident: Incident, events: list[TimelineEvent], what: str) -> None:
    if any(event.incident_id != incident.pk for event in events):
        raise ValidationError({what: "Entries must belong to the restored incident."})


@transaction.atomic
def record_restore(
    *,
    incident: Incident,
    actor: Actor,
    causes: list[RestoredCause],
    actions: list[RestoredAction],
    updates: list[StatusUpdate],
) -> None:
    """Save the restored causes, action items and status updates of `incident`."""
    for restored in causes:
        _own_events(incident, restored.evidence, "causes.evidence")
    for update in updates:
        if update.event is not None:
            _own_events(incident, [update.event], "updates.event")
    by_key: dict[Any, Cause] = {}
    for restored in causes:
        restored.cause.incident = incident
        set_history_user(restored.cause, actor)
        restored.cause.save()
        restored.cause.evidence.set(restored.evidence)
        if restored.key is not None:
            by_key[restored.key] = restored.cause
    for restored_action in actions:
        action = restored_action.action
        action.incident = incident
        set_history_user(action, actor)
        action.save()
        action.causes.set([by_key[key] for key in restored_action.cause_keys if key in by_key])
    for update in updates:
        update.incident = incident
        set_history_user(update, actor)
        update.save()
