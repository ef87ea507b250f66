from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import Audience, ServiceState, Severity, Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.models import Incident, StatusUpdate
from incidents.services.common import (
    actor_or_none,
    check_moment,
    check_text,
    require_edit,
    set_history_user,
)
from timeline.actors import Actor
from timeline.choices import EventKind, EventSource
from timeline.services import timeline_event_add

# While an incident is investigated or identified, its services are as bad as its severity says.
_STATE_BY_SEVERITY = {
    Severity.SEV1: ServiceState.MAJOR_OUTAGE,
    Severity.SEV2: ServiceState.PARTIAL_OUTAGE,
    Severity.SEV3: ServiceState.DEGRADED,
    Severity.SEV4: ServiceState.MINOR,
}


def public_service_state(*, status: str, severity: str) -> str:
    """Return what a public update with this status says about the incident's services.

    Investigating or identified: the severity's state (SEV1 major outage, SEV2 partial outage,
    SEV3 degraded performance, SEV4 minor issue). Monitoring: a fix is in place and being watched,
    so degraded performance at worst (a SEV4 stays a minor issue). Resolved or closed: operational.
    """
    if status in (Status.RESOLVED, Status.CLOSED):
        return ServiceState.OPERATIONAL
    worst = _STATE_BY_SEVERITY.get(Severity(severity), ServiceState.DEGRADED)
    if status == Status.MONITORING and worst in (ServiceState.MAJOR_OUTAGE, ServiceState.PARTIAL_OUTAGE):
        return ServiceState.DEGRADED
    return worst


@transaction.atomic
def status_update_post(
    *,
    incident: Incident,
    actor: Actor,
    message: str,
    audience: str = Audience.INTERNAL,
    status: str | None = None,
    service_state: str = "",
    source: str = EventSource.WEB,
    posted_at: datetime | None = None,
) -> StatusUpdate:
    """Post a status update; it also appears in the timeline as a `communication` event.

    A public update fixes what the status page says about the incident's services: `service_state`
    when given, else `public_service_state` of its status and the incident's severity. Nothing else
    changes a service's public state.

    `posted_at` defaults to now; an incident written up after the fact gives when each update
    really went out, and its timeline entry happens then too.
    """
    require_edit(actor, incident)
    errors: dict[str, str] = {}
    check_text(errors, "message", message, required=True, max_length=20_000)
    if audience not in Audience.values:
        errors["audience"] = f"Choose one of {', '.join(Audience.values)}."
    state = status or incident.status
    if state not in Status.values:
        errors["status"] = f"Choose one of {', '.join(Status.values)}."
    if service_state and service_state not in ServiceState.values:
        errors["service_state"] = f"Choose one of {', '.join(ServiceState.values)}."
    elif service_state and audience != Audience.PUBLIC:
        errors["service_state"] = "Only a public update sets what the status page shows."
    check_moment(errors, "posted_at", posted_at, what="A status update")
    if errors:
        raise ValidationError(errors)
    if audience == Audience.PUBLIC and not service_state:
        service_state = public_service_state(status=state, severity=incident.severity)
    posted = posted_at or timezone.now()
    label = "Public" if audience == Audience.PUBLIC else "Internal"
    event = timeline_event_add(
        incident=incident,
        actor=actor,
        kind=EventKind.COMMUNICATION,
        body=f"**{label} status update ({state}):** {message.strip()}",
        occurred_at=posted,
        source=source,
    )
    update = StatusUpdate(
        incident=incident,
        audience=audience,
        status=state,
        message=message.strip(),
        author=actor_or_none(actor),
        posted_at=posted,
        service_state=service_state if audience == Audience.PUBLIC else "",
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
