"""The public status page: no sign-in, and nothing from a private incident or an internal update.

What the public sees is decided here and only here: incidents that are not private and have at
least one public update (`public_incidents`), their public updates, the state of each service the
public may know of (`selectors.services_visible_to`) as the latest public updates of non-private,
countable incidents announce it, and postmortems published with the `public` flag
(`incidents.postmortems.selectors.public_postmortems`) minus their appendix, which is the full
internal timeline (internal status updates and notes included).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.choices import ACTIVE_STATUSES, Audience, ServiceState
from incidents.insights.maintenance import public_maintenance, services_under_maintenance
from incidents.insights.models import MaintenanceState
from incidents.insights.uptime import UPTIME_DAYS, announced_state, service_uptime
from incidents.markdown import render_markdown
from incidents.models import Incident, StatusUpdate
from incidents.postmortems import selectors as postmortem_selectors
from incidents.postmortems.models import Postmortem

PUBLIC_HISTORY_DAYS = 90
# Sections of a public postmortem the public never sees: the full timeline holds internal updates.
PRIVATE_SECTIONS = frozenset({"appendix"})
# Service states from best to worst: the worst one a service's incidents announce wins.
STATE_ORDER = list(ServiceState.values)
HEADLINES = {ServiceState.OPERATIONAL: "All systems operational"}


@dataclass(frozen=True)
class ServiceRow:
    name: str
    state: str
    label: str
    under_maintenance: bool = False


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
        # A display attribute for the status page's template, not a field: `row` is typed Any.
        row: Any = incident
        row.public_postmortem_url = (
            reverse("status-postmortem", args=[incident.reference]) if incident.pk in public else ""
        )


def public_updates_by_incident(incidents: list[Incident]) -> dict[int, list[StatusUpdate]]:
    grouped: dict[int, list[StatusUpdate]] = defaultdict(list)
    for update in selectors.public_status_updates().filter(incident__in=[i.pk for i in incidents]):
        grouped[update.incident_id].append(update)
    return grouped


def latest_public_updates() -> list[StatusUpdate]:
    """Return each non-private, countable incident's latest public update: what the public was told last.

    Duplicates and false alarms are left out, as they are of metrics: they say nothing about a service.
    """
    latest = (
        StatusUpdate.objects.filter(incident=OuterRef("incident"), audience=Audience.PUBLIC)
        .order_by("-posted_at", "-id")
        .values("pk")[:1]
    )
    return list(
        selectors.public_status_updates()
        .filter(incident__in=Incident.objects.countable().values("pk"), pk=Subquery(latest))
        .prefetch_related("incident__services")
    )


def worst(states: list[str]) -> str:
    return max(states, key=STATE_ORDER.index, default=ServiceState.OPERATIONAL)


def service_states(
    latest: list[StatusUpdate] | None = None, *, under_maintenance: frozenset[str] = frozenset()
) -> list[ServiceRow]:
    """Return every public service with the worst state its incidents' latest public updates announce.

    Declaring an incident, changing its severity or posting an internal update changes nothing
    here: only a published public update does, and its incident's last one decides.
    """
    if latest is None:
        latest = latest_public_updates()
    announced: dict[int, list[str]] = defaultdict(list)
    for update in latest:
        for service in update.incident.services.all():
            announced[service.pk].append(announced_state(update))
    rows = []
    for service in selectors.services_visible_to(AnonymousUser()):
        state = worst(announced[service.pk])
        rows.append(
            ServiceRow(
                name=service.name,
                state=state,
                label=ServiceState(state).label,
                under_maintenance=service.name in under_maintenance,
            )
        )
    return rows


def overall_state(latest: list[StatusUpdate]) -> tuple[str, str]:
    """Return the worst state any public incident currently announces, with its headline."""
    state = ServiceState(worst([announced_state(update) for update in latest]))
    return state.value, HEADLINES.get(state, state.label)


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    latest = latest_public_updates()
    incidents = list(public_incidents())
    updates = public_updates_by_incident(incidents)
    mark_public_postmortems(incidents)
    state, label = overall_state(latest)
    # Current for the public until a public update says it is over, whatever its internal status.
    still_open = {update.incident_id for update in latest if update.status in ACTIVE_STATUSES}
    maintenance = public_maintenance()
    in_progress = maintenance[MaintenanceState.IN_PROGRESS]
    uptime = {row.name: row for row in service_uptime()}
    services = service_states(latest, under_maintenance=frozenset(services_under_maintenance(in_progress)))
    context: dict[str, Any] = {
        "services": [(service, uptime.get(service.name)) for service in services],
        "uptime_days": UPTIME_DAYS,
        "maintenance_in_progress": in_progress,
        "maintenance_announced": maintenance[MaintenanceState.ANNOUNCED],
        "maintenance_completed": maintenance[MaintenanceState.COMPLETED][:10],
        "overall_state": state,
        "overall_label": label,
        "active": [(i, updates[i.pk]) for i in incidents if i.pk in still_open],
        "past": [(i, updates[i.pk]) for i in incidents if i.pk not in still_open],
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
