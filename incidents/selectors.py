"""Reads. Every query that returns incidents, or things inside them, is scoped here by permission."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from incidents.choices import ACTIVE_STATUSES
from incidents.lookups_sql import incident_by_key, load_incident_people_and_services, visible_incident_count
from incidents.models import (
    PUBLIC_INCIDENTS_COUNTER,
    Cause,
    Counter,
    Incident,
    Job,
    RemediationAction,
    Service,
    StatusUpdate,
)
from incidents.permissions import can_view_incident, is_admin
from timeline.models import TimelineEvent

# ASCII digits only ("²".isdigit() is true), and few enough to fit a bigint.
_NUMERIC_ID = re.compile(r"[0-9]{1,18}")


def visible_incidents_q(user: Any) -> Q:
    """Return the condition an incident must meet to be visible to the user."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if is_admin(user):
        return Q()
    User = get_user_model()
    # Both lookups also require the outer incident to be private. That changes no answer (public
    # incidents pass the first test), but it makes PostgreSQL probe the (author, incident) and
    # participant indexes for private rows only, instead of hashing every entry the user ever
    # wrote before the first row is read: a busy responder's lists no longer slow down with
    # everything they have written.
    # The bare column, not `private = true`: with prepared statements a literal is a parameter, and
    # PostgreSQL's plan for any parameter value hashed every entry the user wrote instead.
    outer_private = ExpressionWrapper(OuterRef("private"), output_field=BooleanField())
    wrote_in = Exists(
        TimelineEvent.all_objects.filter(outer_private, incident=OuterRef("pk"), author_id=user.pk)
    )
    added = Exists(
        User.participating_incidents.through.objects.filter(
            outer_private, incident_id=OuterRef("pk"), user_id=user.pk
        )
    )
    return Q(private=False) | Q(commander_id=user.pk) | Q(reporter_id=user.pk) | added | wrote_in


def incident_list(
    *, user: Any, filters: dict[str, Any] | None = None, related: bool = True
) -> QuerySet[Incident]:
    """Return the incidents the user may see, newest first, with what lists show preloaded.

    With `related=False` nothing is preloaded: the caller loads one page's people and services with
    `lookups_sql.load_incidents_people_and_services` (cheaper than joining every user column).
    """
    from incidents.filters import IncidentFilterSet

    qs = Incident.objects.filter(visible_incidents_q(user))
    if related:
        qs = qs.select_related("commander", "reporter").prefetch_related("services")
    if filters:
        qs = IncidentFilterSet(filters, queryset=qs).qs
    return qs


def incident_count(*, user: Any) -> int:
    """Return how many incidents the user may see (what `incident_list(user=user).count()` gives).

    Public incidents are counted as they are saved and deleted (incidents/signals.py); only the
    private ones are counted here: all of them for admins, and for anyone else those the rule lets
    them see, in one statement with the kept count (`lookups_sql.visible_incident_count`, pinned to
    this rule by tests/incidents/test_visible_count.py). Counting every visible incident took 40 ms
    at 100,000 incidents, most of a list request.
    """
    if not user or not user.is_authenticated or not user.is_active:
        return 0
    if is_admin(user):
        public = Counter.objects.filter(name=PUBLIC_INCIDENTS_COUNTER).values_list("value", flat=True).first()
        if public is None:
            return incident_list(user=user).count()
        return int(public) + Incident.objects.filter(private=True).count()
    kept_public, private = visible_incident_count(user.pk)
    if kept_public is None:
        return incident_list(user=user).count()
    return kept_public + private


def incident_get(*, user: Any, reference: str | int, related: bool = True) -> Incident | None:
    """Return one visible incident by reference (`INC-12`), number or id, or None.

    The incident is found by its unique key and then checked with `can_view_incident`, the same rule
    `visible_incidents_q` expresses in SQL: a public incident costs one indexed query instead of
    planning the visibility subqueries, a private one at most two participation lookups more. One the
    user may not see is None, exactly as if it did not exist. `related` loads the commander, the
    reporter and the services (two queries); pass False when only the incident itself is needed.
    """
    if not user or not user.is_authenticated or not user.is_active:
        return None
    value = str(reference).strip()
    if value.upper().startswith("INC-"):
        # References are stored upper-case ("INC-12"): an exact match uses the unique index.
        incident = incident_by_key(reference=value.upper())
    elif _NUMERIC_ID.fullmatch(value):
        incident = incident_by_key(pk=int(value))
    else:
        return None
    if incident is None or not can_view_incident(user, incident):
        return None
    if related:
        load_incident_people_and_services(incident)
    return incident


def active_incidents(*, user: Any) -> QuerySet[Incident]:
    return incident_list(user=user).filter(status__in=ACTIVE_STATUSES).order_by("severity", "-started_at")


def related_incidents(
    *, user: Any, incident: Incident, causes: list[Cause] | None = None
) -> QuerySet[Incident]:
    """Return visible incidents sharing a service and a cause category with this one.

    The incident's services (when prefetched) and `causes` (when the caller has them) are read
    from memory rather than queried again.
    """
    services = [service.pk for service in incident.services.all()]
    if causes is None:
        causes = list(incident.causes.all())
    categories = sorted({cause.category for cause in causes if cause.status != "ruled_out"})
    if not services or not categories:
        return Incident.objects.none()
    shares_cause = Exists(
        Cause.objects.filter(incident=OuterRef("pk"), category__in=categories).exclude(status="ruled_out")
    )
    # EXISTS rather than a join: no DISTINCT to sort, so the newest related incidents are found by
    # walking the (started_at, number) index until there are enough, however many incidents share
    # the service (a join + DISTINCT took 51 ms at 100,000 incidents).
    shares_service = Exists(
        Incident.services.through.objects.filter(incident_id=OuterRef("pk"), service_id__in=services)
    )
    return (
        incident_list(user=user)
        .filter(shares_cause, shares_service)
        .exclude(pk=incident.pk)
        .order_by("-started_at", "-number")
    )


def cause_list(*, user: Any, incident: Incident) -> QuerySet[Cause]:
    return incident.causes.prefetch_related("evidence").order_by("created_at", "id")


def deleted_causes(*, incident: Incident) -> QuerySet[Cause]:
    """Return the incident's soft-deleted causes, latest deleted first, for admins to restore."""
    return (
        Cause.all_objects.filter(incident=incident, deleted_at__isnull=False)
        .select_related("incident", "deleted_by")
        .prefetch_related("evidence")
        .order_by("-deleted_at", "-id")
    )


def cause_get(*, user: Any, pk: int, include_deleted: bool = False) -> Cause | None:
    manager = Cause.all_objects if include_deleted else Cause.objects
    return manager.filter(pk=pk, incident__in=incident_list(user=user)).first()


def action_list(
    *, user: Any, filters: dict[str, Any] | None = None, include_deleted: bool = False
) -> QuerySet[RemediationAction]:
    """Return action items of incidents the user may see."""
    from incidents.filters import ActionFilterSet

    manager = RemediationAction.all_objects if include_deleted else RemediationAction.objects
    qs = manager.filter(
        incident__in=Incident.objects.filter(visible_incidents_q(user)).values("pk")
    ).select_related("owner", "incident")
    if filters:
        qs = ActionFilterSet(filters, queryset=qs).qs
    return qs


def deleted_actions(*, incident: Incident) -> QuerySet[RemediationAction]:
    """Return the incident's soft-deleted action items, latest deleted first, for admins to restore."""
    return (
        RemediationAction.all_objects.filter(incident=incident, deleted_at__isnull=False)
        .select_related("incident", "owner", "deleted_by")
        .prefetch_related("causes")
        .order_by("-deleted_at", "-id")
    )


def action_get(*, user: Any, pk: int, include_deleted: bool = False) -> RemediationAction | None:
    return action_list(user=user, include_deleted=include_deleted).filter(pk=pk).first()


def status_update_list(*, user: Any, incident: Incident) -> QuerySet[StatusUpdate]:
    return incident.updates.select_related("author").order_by("-posted_at", "-id")


def public_status_updates() -> QuerySet[StatusUpdate]:
    """Return the public updates of non-private incidents: what the status page shows."""
    return (
        StatusUpdate.objects.filter(audience="public", incident__private=False)
        .select_related("incident")
        .order_by("-posted_at", "-id")
    )


def service_list() -> QuerySet[Service]:
    return Service.objects.order_by("name")


def job_get(*, user: Any, pk: Any) -> Job | None:
    """Return a job the user may poll: one they started, or one about an incident they can see."""
    if not user or not user.is_authenticated:
        return None
    visible = Incident.objects.filter(visible_incidents_q(user)).values("pk")
    return Job.objects.filter(Q(created_by_id=user.pk) | Q(incident__in=visible), pk=pk).first()
