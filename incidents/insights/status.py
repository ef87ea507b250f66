"""The public status page: no sign-in, and nothing from a private incident or an internal update.

What the public sees is decided here and only here: incidents that are not private and have at
least one public update (`public_incidents`), their public updates, and per-service state computed
from active, non-private, countable incidents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.choices import ACTIVE_STATUSES, Audience, Severity
from incidents.models import Incident, StatusUpdate

PUBLIC_HISTORY_DAYS = 90

# Severity → what a customer reads. The worst active incident on a service wins.
STATES = {
    Severity.SEV1: ("major_outage", "Major outage"),
    Severity.SEV2: ("partial_outage", "Partial outage"),
    Severity.SEV3: ("degraded", "Degraded performance"),
    Severity.SEV4: ("minor", "Minor issue"),
}
OPERATIONAL = ("operational", "Operational")


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str
    label: str
    severity: str | None


def public_incidents(*, now: datetime | None = None) -> QuerySet[Incident]:
    """Return non-private incidents with a public update, active or started in the last 90 days."""
    now = now or timezone.now()
    has_public_update = Exists(StatusUpdate.objects.filter(incident=OuterRef("pk"), audience=Audience.PUBLIC))
    return (
        Incident.objects.filter(has_public_update, private=False)
        .filter(Q(started_at__gte=now - timedelta(days=PUBLIC_HISTORY_DAYS)) | Q(status__in=ACTIVE_STATUSES))
        .prefetch_related("services")
        .order_by("-started_at", "-number")
    )


def public_incident_get(*, reference: str) -> Incident | None:
    """Return a public incident (non-private, with a public update) of any age, or None."""
    has_public_update = Exists(StatusUpdate.objects.filter(incident=OuterRef("pk"), audience=Audience.PUBLIC))
    return (
        Incident.objects.filter(has_public_update, private=False, reference__iexact=reference.strip())
        .prefetch_related("services")
        .first()
    )


def public_updates_by_incident(incidents: list[Incident]) -> dict[int, list[StatusUpdate]]:
    grouped: dict[int, list[StatusUpdate]] = defaultdict(list)
    for update in selectors.public_status_updates().filter(incident__in=[i.pk for i in incidents]):
        grouped[update.incident_id].append(update)
    return grouped


def service_states() -> list[ServiceState]:
    """Return every service with its state: the worst severity of its active, non-private incidents."""
    worst: dict[int, str] = {}
    rows = (
        Incident.objects.countable()
        .active()
        .filter(private=False, services__isnull=False)
        .values_list("services", "severity")
    )
    for service_id, sev in rows:
        severity = str(sev)
        if service_id not in worst or severity < worst[service_id]:
            worst[service_id] = severity
    states = []
    for service in selectors.service_list():
        worst_severity = worst.get(service.pk)
        state, label = STATES[Severity(worst_severity)] if worst_severity else OPERATIONAL
        states.append(ServiceState(name=service.name, state=state, label=label, severity=worst_severity))
    return states


def overall_state(states: list[ServiceState]) -> tuple[str, str]:
    severities = sorted(s.severity for s in states if s.severity)
    if not severities:
        return OPERATIONAL[0], "All systems operational"
    state, label = STATES[Severity(severities[0])]
    return state, label


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    states = service_states()
    incidents = list(public_incidents())
    updates = public_updates_by_incident(incidents)
    state, label = overall_state(states)
    context: dict[str, Any] = {
        "services": states,
        "overall_state": state,
        "overall_label": label,
        "active": [(i, updates[i.pk]) for i in incidents if i.is_active],
        "past": [(i, updates[i.pk]) for i in incidents if not i.is_active],
        "history_days": PUBLIC_HISTORY_DAYS,
    }
    with timezone.override(UTC):
        return render(request, "status/status.html", context)


@require_GET
def status_incident(request: HttpRequest, reference: str) -> HttpResponse:
    incident = public_incident_get(reference=reference)
    if incident is None:
        raise Http404("No such public incident.")
    updates = public_updates_by_incident([incident])[incident.pk]
    with timezone.override(UTC):
        return render(request, "status/incident.html", {"incident": incident, "updates": updates})
