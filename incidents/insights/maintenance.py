"""Scheduled maintenance: the writes (responders and admins only) and what the status page reads.

Maintenance is public by nature: it names only services the status page already lists
(`selectors.services_visible_to(AnonymousUser())`), so announcing it never reveals a service that
only private incidents use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents import selectors
from incidents.models import Service
from incidents.permissions import is_responder
from incidents.services.common import check_text, set_history_user
from timeline.actors import Actor, actor_or_none

from .models import Maintenance, MaintenanceState

# How far back the status page lists completed maintenance (as it does past incidents).
COMPLETED_SHOWN_DAYS = 90
MAX_WINDOW = timedelta(days=31)


def _require_responder(actor: Actor) -> None:
    if not is_responder(actor):
        raise PermissionDenied("Only responders and admins can schedule maintenance.")


def public_services_named(names_or_services: Iterable[Any]) -> list[Service]:
    known = {service.name.lower(): service for service in selectors.services_visible_to(AnonymousUser())}
    chosen: list[Service] = []
    unknown: list[str] = []
    for item in names_or_services:
        name = item.name if isinstance(item, Service) else str(item).strip()
        service = known.get(name.lower())
        if service is None:
            unknown.append(name)
        elif service not in chosen:
            chosen.append(service)
    if unknown:
        raise ValidationError({"services": f"Not on the status page: {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"services": "Choose at least one service the work touches."})
    return chosen


def check_window(errors: dict[str, str], starts_at: Any, ends_at: Any) -> None:
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[field] = "Give a date and time with its time zone."
    if errors:
        return
    if ends_at <= starts_at:
        errors["ends_at"] = "The window must end after it starts."
    elif ends_at - starts_at > MAX_WINDOW:
        errors["ends_at"] = "A maintenance window is at most 31 days; announce longer work in parts."


@transaction.atomic
def maintenance_schedule(
    *,
    actor: Actor,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    services: Iterable[Any],
    description: str = "",
) -> Maintenance:
    """Announce maintenance of public services in a window; the status page shows it at once."""
    _require_responder(actor)
    errors: dict[str, str] = {}
    check_text(errors, "title", title, required=True, max_length=200)
    check_text(errors, "description", description, required=False)
    check_window(errors, starts_at, ends_at)
    try:
        chosen = public_services_named(services)
    except ValidationError as error:
        errors.update({key: " ".join(messages) for key, messages in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    maintenance = Maintenance(
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor_or_none(actor),
    )
    set_history_user(maintenance, actor)
    maintenance.save()
    maintenance.services.set(chosen)
    return maintenance


@transaction.atomic
def maintenance_start(*, actor: Actor, maintenance: Maintenance, now: datetime | None = None) -> Maintenance:
    """Mark announced maintenance as started now (earlier than planned); in progress stays so."""
    _require_responder(actor)
    now = now or timezone.now()
    locked = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    state = locked.state_at(now)
    if state == MaintenanceState.COMPLETED:
        raise ValidationError("This maintenance is already completed.")
    if state == MaintenanceState.ANNOUNCED:
        locked.starts_at = now
        set_history_user(locked, actor)
        locked.save(update_fields=["starts_at"])
    return locked


@transaction.atomic
def maintenance_complete(
    *, actor: Actor, maintenance: Maintenance, now: datetime | None = None
) -> Maintenance:
    """Mark maintenance in progress as completed now; completing it twice changes nothing."""
    _require_responder(actor)
    now = now or timezone.now()
    locked = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    state = locked.state_at(now)
    if state == MaintenanceState.ANNOUNCED:
        raise ValidationError("This maintenance has not started; change its window or delete it instead.")
    if state == MaintenanceState.IN_PROGRESS:
        locked.completed_at = now
        set_history_user(locked, actor)
        locked.save(update_fields=["completed_at"])
    return locked


@transaction.atomic
def maintenance_reschedule(
    *, actor: Actor, maintenance: Maintenance, starts_at: datetime, ends_at: datetime
) -> Maintenance:
    """Move a window that has not completed (work that runs over gets a later end)."""
    _require_responder(actor)
    errors: dict[str, str] = {}
    check_window(errors, starts_at, ends_at)
    if errors:
        raise ValidationError(errors)
    locked = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
    if locked.completed_at is not None:
        raise ValidationError("This maintenance is already completed.")
    locked.starts_at, locked.ends_at = starts_at, ends_at
    set_history_user(locked, actor)
    locked.save(update_fields=["starts_at", "ends_at"])
    return locked


@dataclass(frozen=True)
class PublicMaintenance:
    """What the status page shows: public services only, with the state at the time of asking."""

    maintenance: Maintenance
    state: str
    services: list[str]

    @property
    def state_label(self) -> str:
        return MaintenanceState(self.state).label


def public_maintenance(*, now: datetime | None = None) -> dict[str, list[PublicMaintenance]]:
    """Return maintenance by state: in progress, announced (soonest first), completed (newest first)."""
    now = now or timezone.now()
    public_ids = set(selectors.services_visible_to(AnonymousUser()).values_list("pk", flat=True))
    recent = Maintenance.objects.exclude(ends_at__lt=now - timedelta(days=COMPLETED_SHOWN_DAYS)).exclude(
        completed_at__lt=now - timedelta(days=COMPLETED_SHOWN_DAYS)
    )
    grouped: dict[str, list[PublicMaintenance]] = {state: [] for state in MaintenanceState.values}
    for maintenance in recent.prefetch_related("services"):
        # A service that stopped being public since is left out; with none left, so is the work.
        names = [service.name for service in maintenance.services.all() if service.pk in public_ids]
        if names:
            state = maintenance.state_at(now)
            grouped[state].append(PublicMaintenance(maintenance=maintenance, state=state, services=names))
    grouped[MaintenanceState.COMPLETED].sort(key=lambda item: item.maintenance.finished_at, reverse=True)
    return grouped


def services_under_maintenance(items: list[PublicMaintenance]) -> set[str]:
    return {name for item in items for name in item.services}
