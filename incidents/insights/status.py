"""The public status page: no sign-in, and nothing from a private incident or an internal update.

What the public sees is decided here and only here: incidents that are not private and have at
least one public update (`public_incidents`), their public updates, per-service state computed
from active, non-private, countable incidents, and postmortems published with the `public` flag
(`incidents.postmortems.selectors.public_postmortems`) minus their appendix, which is the full
internal timeline (internal status updates and notes included).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.choices import ACTIVE_STATUSES, Audience, Severity
from incidents.markdown import render_markdown
from incidents.models import Incident, StatusUpdate
from incidents.postmortems import selectors as postmortem_selectors
from incidents.postmortems.models import Postmortem

PUBLIC_HISTORY_DAYS = 90
# Sections of a public postmortem the public never sees: the full timeline holds internal updates.
PRIVATE_SECTIONS = frozenset({"appendix"})

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
    """Return a non-private incident with a public update or a public postmortem, of any age, or None."""
    has_public_update = Exists(StatusUpdate.objects.filter(incident=OuterRef("pk"), audience=Audience.PUBLIC))
    has_public_postmortem = Exists(postmortem_selectors.public_postmortems().filter(incident=OuterRef("pk")))
    return (
        Incident.objects.filter(has_public_update | has_public_postmortem)
        .filter(private=False, reference=reference.strip().upper())
        .prefetch_related("services")
        .first()
    )


def public_postmortem_get(*, reference: str) -> Postmortem | None:
    return (
        postmortem_selectors.public_postmortems()
        .filter(incident__reference=reference.strip().upper())
        .select_related("incident")
        .first()
    )


def mark_public_postmortems(incidents: list[Incident]) -> None:
    """Set `public_postmortem_url` on each incident ("" when its postmortem is not public)."""
    public = set(
        postmortem_selectors.public_postmortems()
        .filter(incident__in=[i.pk for i in incidents])
        .values_list("incident_id", flat=True)
    )
    for incident in incidents:
        incident.public_postmortem_url = (  # type: ignore[attr-defined]
            reverse("status-postmortem", args=[incident.reference]) if incident.pk in public else ""
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
    mark_public_postmortems(incidents)
    state, label = overall_state(states)
    context: dict[str, Any] = {
        "services": states,
        "overall_state": state,
        "overall_label": label,
        "active": [(i, updates[i.pk]) for i in incidents if i.is_active],
        "past": [(i, updates[i.pk]) for i in incidents if not i.is_active],
        "history_days": PUBLIC_HISTORY_DAYS,
        "postmortems": list(postmortem_selectors.public_postmortems()[:10]),
    }
    with timezone.override(UTC):
        return render(request, "status/status.html", context)


@require_GET
def status_incident(request: HttpRequest, reference: str) -> HttpResponse:
    incident = public_incident_get(reference=reference)
    if incident is None:
        raise Http404("No such public incident.")
    updates = public_updates_by_incident([incident])[incident.pk]
    mark_public_postmortems([incident])
    with timezone.override(UTC):
        return render(request, "status/incident.html", {"incident": incident, "updates": updates})


@require_GET
def status_postmortem(request: HttpRequest, reference: str) -> HttpResponse:
    """A postmortem published with the `public` flag, as the public reads it."""
    postmortem = public_postmortem_get(reference=reference)
    if postmortem is None:
        raise Http404("No such public postmortem.")
    sections = [
        {"section": section, "html": render_markdown(section.body)}
        for section in postmortem_selectors.section_list(postmortem=postmortem)
        if section.key not in PRIVATE_SECTIONS and not section.is_empty
    ]
    context = {"incident": postmortem.incident, "postmortem": postmortem, "sections": sections}
    with timezone.override(UTC):
        return render(request, "status/postmortem.html", context)
