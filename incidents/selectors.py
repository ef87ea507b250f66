"""Reads. Every query that returns incidents, or things inside them, is scoped here by permission."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from incidents.choices import ACTIVE_STATUSES
from incidents.models import (
    Cause,
    ChangeEvent,
    Incident,
    IncidentRole,
    IncidentRoleKind,
    Job,
    RemediationAction,
    Service,
    StatusUpdate,
)
from incidents.permissions import can_view_incident
from timeline.actors import Actor

# ASCII digits only ("²".isdigit() is true), and few enough to fit a bigint.
_NUMERIC_ID = re.compile(r"[0-9]{1,18}")


def incident_list(*, user: Actor, filters: dict[str, Any] | None = None) -> QuerySet[Incident]:
    """Return the incidents the user may see, newest first, with what lists show preloaded."""
    from incidents.filters import IncidentFilterSet

    qs = (
        Incident.objects.visible_to(user)
        .select_related("commander", "reporter", "duplicate_of")
        .prefetch_related("services")
    )
    if filters:
        qs = IncidentFilterSet(filters, queryset=qs).qs
    return qs


def incident_get(*, user: Actor, reference: str | int) -> Incident | None:
    """Return one visible incident by reference (`INC-12`), number or id, or None.

    One the user may not see is None, exactly as if it did not exist.
    """
    value = str(reference).strip()
    if value.upper().startswith("INC-"):
        # References are stored upper-case ("INC-12"): an exact match uses the unique index.
        lookup: dict[str, Any] = {"reference": value.upper()}
    elif _NUMERIC_ID.fullmatch(value):
        lookup = {"pk": int(value)}
    else:
        return None
    # Services are loaded when shown (one query then): most callers only need the incident.
    queryset = Incident.objects.visible_to(user).select_related("commander", "reporter", "duplicate_of")
    incident = next(iter(queryset.filter(**lookup).order_by()[:1]), None)
    if incident is not None:
        # Found through the privacy rule for this user: later checks in this request need not ask
        # the database again (permissions.can_view_incident).
        incident.visible_to_user_id = user.pk if user is not None else None
    return incident


@dataclass(frozen=True)
class RoleSlot:
    """One role in an incident's header: its key ("commander" or a kind's), its name, its holder."""

    key: str
    name: str
    holder: Any


def incident_roles(*, incident: Incident) -> list[RoleSlot]:
    """Return the incident's roles in header order: the commander, then every active kind (held
    or not) and any inactive kind someone still holds here."""
    held = {
        role.kind_id: role
        for role in IncidentRole.objects.filter(incident=incident).select_related("kind", "user")
    }
    slots = [RoleSlot("commander", "Commander", incident.commander)]
    for kind in IncidentRoleKind.objects.all():
        role = held.get(kind.pk)
        if kind.active or role is not None:
            slots.append(RoleSlot(kind.key, kind.name, role.user if role is not None else None))
    return slots


PEOPLE_IN_MENUS = 500


def people_to_name() -> list[Any]:
    """Return the active users one can name to a role, by name (the header's menus)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return list(users.only("username", "first_name", "last_name")[:PEOPLE_IN_MENUS])


def people_names() -> list[str]:
    """Return the usernames and full names of active users: the writing check flags them as causes."""
    from django.contrib.auth import get_user_model

    names: list[str] = []
    for username, first, last in (
        get_user_model().objects.filter(is_active=True).values_list("username", "first_name", "last_name")
    ):
        names.append(username)
        full_name = f"{first} {last}".strip()
        if full_name:
            names.append(full_name)
    return names


def original_of(*, user: Actor, incident: Incident) -> Incident | None:
    """Return the incident this one duplicates, or None when there is none or the user may not see it."""
    if not incident.duplicate_of_id:
        return None
    original = incident.duplicate_of
    return original if original is not None and can_view_incident(user, original) else None


def active_incidents(*, user: Actor) -> QuerySet[Incident]:
    return incident_list(user=user).filter(status__in=ACTIVE_STATUSES).order_by("severity", "-started_at")


def related_incidents(
    *, user: Actor, incident: Incident, causes: list[Cause] | None = None
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


def cause_list(*, user: Actor, incident: Incident) -> QuerySet[Cause]:
    return incident.causes.prefetch_related("evidence").order_by("created_at", "id")


def deleted_causes(*, incident: Incident) -> QuerySet[Cause]:
    """Return the incident's soft-deleted causes, latest deleted first, for admins to restore."""
    return (
        Cause.all_objects.filter(incident=incident, deleted_at__isnull=False)
        .select_related("incident", "deleted_by")
        .prefetch_related("evidence")
        .order_by("-deleted_at", "-id")
    )


def cause_get(*, user: Actor, pk: int, include_deleted: bool = False) -> Cause | None:
    manager = Cause.all_objects if include_deleted else Cause.objects
    return manager.visible_to(user).filter(pk=pk).first()


def action_list(
    *, user: Actor, filters: dict[str, Any] | None = None, include_deleted: bool = False
) -> QuerySet[RemediationAction]:
    """Return action items of incidents the user may see."""
    from incidents.filters import ActionFilterSet

    manager = RemediationAction.all_objects if include_deleted else RemediationAction.objects
    qs = manager.visible_to(user).select_related("owner", "incident")
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


def action_get(*, user: Actor, pk: int, include_deleted: bool = False) -> RemediationAction | None:
    return action_list(user=user, include_deleted=include_deleted).filter(pk=pk).first()


def status_update_list(*, user: Actor, incident: Incident) -> QuerySet[StatusUpdate]:
    return incident.updates.select_related("author").order_by("-posted_at", "-id")


def public_status_updates() -> QuerySet[StatusUpdate]:
    """Return the public updates of non-private incidents: what the status page shows."""
    return (
        StatusUpdate.objects.filter(audience="public", incident__private=False)
        .select_related("incident")
        .order_by("-posted_at", "-id")
    )


def service_list() -> QuerySet[Service]:
    """Return every service: for writers (admin, declaring), never shown as a list to readers."""
    return Service.objects.order_by("name")


def services_visible_to(user: Actor) -> QuerySet[Service]:
    """Return the services the user may know of: marked public, or used by an incident they can see.

    Anonymous visitors (the status page) get the public ones and those of non-private incidents:
    a service only private incidents use is never named to people who cannot see them.
    """
    signed_in = user is not None and user.is_authenticated
    visible = (Incident.objects.visible_to(user) if signed_in else Incident.objects.public()).values("pk")
    used_by_visible = Exists(
        Incident.services.through.objects.filter(service_id=OuterRef("pk"), incident_id__in=visible)
    )
    return Service.objects.filter(Q(public=True) | used_by_visible).order_by("name")


def job_get(*, user: Actor, pk: Any) -> Job | None:
    """Return a job the user may poll: one they started, or one about an incident they can see."""
    if not user or not user.is_authenticated:
        return None
    visible = Incident.objects.visible_to(user).values("pk")
    return Job.objects.filter(Q(created_by_id=user.pk) | Q(incident__in=visible), pk=pk).first()


def changes_near(*, incident: Incident) -> QuerySet[ChangeEvent]:
    """Return changes to the incident's services from CHANGE_WINDOW_BEFORE before it started to its end.

    The end is `resolved_at`, or now while it runs. The caller found the incident through
    `incident_get`, so it is one the user may see; changes themselves carry no private data.
    """
    return ChangeEvent.objects.near(incident)


def change_near_get(*, incident: Incident, pk: Any) -> ChangeEvent | None:
    """Return one of the changes `changes_near` lists for the incident, or None."""
    return ChangeEvent.objects.near(incident).filter(pk=pk).first()
