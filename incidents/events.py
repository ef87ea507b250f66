"""Things that happen to an incident, announced to whichever apps listen (broadcasts, followers).

The core never imports the apps that react: they append a function to `EVENT_HOOKS` from their
`AppConfig.ready()`. Services call `incident_event_emit()` inside their transaction, so a hook that
records work (an outbox job, a delivery row) commits or rolls back with the change itself. Hooks
must only write rows and enqueue jobs; anything slow or outbound belongs in the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from timeline.actors import Actor

if TYPE_CHECKING:
    from incidents.models import Incident


class IncidentEventName(models.TextChoices):
    DECLARED = "declared", "Incident declared"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    STATUS_CHANGED = "status_changed", "Status changed (other than resolved)"
    RESOLVED = "resolved", "Incident resolved"
    UPDATE_POSTED = "update_posted", "Status update posted"
    POSTMORTEM_PUBLISHED = "postmortem_published", "Postmortem published"
    CAUSE_CONFIRMED = "cause_confirmed", "Cause confirmed"


@dataclass(frozen=True)
class IncidentEvent:
    """One occurrence: `key` is unique per occurrence, so listeners can deduplicate on it."""

    name: str
    incident: Incident
    actor: Actor
    key: str
    detail: dict[str, Any] = field(default_factory=dict)


EVENT_HOOKS: list[Callable[[IncidentEvent], None]] = []


def incident_event_emit(
    *, name: str, incident: Incident, actor: Actor, key: str, detail: dict[str, Any] | None = None
) -> None:
    """Tell every registered hook that `name` happened to `incident` (call inside the transaction)."""
    event = IncidentEvent(name=name, incident=incident, actor=actor, key=key, detail=detail or {})
    for hook in EVENT_HOOKS:
        hook(event)
