from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import Audience, Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.models import Incident, StatusUpdate
from incidents.services.common import actor_or_none, check_text, require_edit, set_history_user
from timeline.choices import EventKind, EventSource
from timeline.services import timeline_event_add


@transaction.atomic
def status_update_post(
    *,
    incident: Incident,
    actor: Any,
    message: str,
    audience: str = Audience.INTERNAL,
    status: str | None = None,
    source: str = EventSource.WEB,
) -> StatusUpdate:
    """Post a status update; it also appears in the timeline as a `communication` event."""
    require_edit(actor, incident)
    errors: dict[str, str] = {}
    check_text(errors, "message", message, required=True, max_length=20_000)
    if audience not in Audience.values:
        errors["audience"] = f"Choose one of {', '.join(Audience.values)}."
    state = status or incident.status
    if state not in Status.values:
        errors["status"] = f"Choose one of {', '.join(Status.values)}."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    label = "Public" if audience == Audience.PUBLIC else "Internal"
    event = timeline_event_add(
        incident=incident,
        actor=actor,
        kind=EventKind.COMMUNICATION,
        body=f"**{label} status update ({state}):** {message.strip()}",
        occurred_at=now,
        source=source,
    )
    update = StatusUpdate(
        incident=incident,
        audience=audience,
        status=state,
        message=message.strip(),
        author=actor_or_none(actor),
        posted_at=now,
        event=event,
    )
    set_history_user(update, actor)
    update.save()
    incident_event_emit(
        name=IncidentEventName.UPDATE_POSTED,
        incident=incident,
        actor=actor,
        key=f"update:{update.pk}",
        detail={"update_id": update.pk, "audience": audience, "status": state, "message": update.message},
    )
    return update
