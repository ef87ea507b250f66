from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import CauseCategory, CauseRole, CauseStatus
from incidents.events import IncidentEventName, incident_event_emit
from incidents.models import Cause, Incident
from incidents.services.common import (
    actor_or_none,
    check_moment,
    check_text,
    require_admin,
    require_edit,
    set_history_user,
)
from timeline.actors import Actor
from timeline.choices import EventKind
from timeline.models import TimelineEvent
from timeline.services import system_event_add
from timeline.softdelete import restore, soft_delete

SUMMARY_LENGTH = 120


def _check(errors: dict[str, str], *, category: Any, role: Any, status: Any, description: Any) -> None:
    if category not in CauseCategory.values:
        errors["category"] = f"Choose one of {', '.join(CauseCategory.values)}."
    if role not in CauseRole.values:
        errors["role"] = f"Choose one of {', '.join(CauseRole.values)}."
    if status not in CauseStatus.values:
        errors["status"] = f"Choose one of {', '.join(CauseStatus.values)}."
    check_text(errors, "description", description, required=True)


def _evidence(incident: Incident, ids: Iterable[Any]) -> list[TimelineEvent]:
    wanted: set[int] = set()
    for value in ids:
        pk = value.pk if isinstance(value, TimelineEvent) else value
        try:
            wanted.add(int(pk))
        except (TypeError, ValueError) as error:
            raise ValidationError({"evidence": f"{value!r} is not a timeline event id."}) from error
    events = list(TimelineEvent.objects.filter(incident=incident, pk__in=wanted))
    missing = wanted - {event.pk for event in events}
    if missing:
        raise ValidationError(
            {"evidence": f"No event {', '.join(map(str, sorted(missing)))} in this incident's timeline."}
        )
    return events


@transaction.atomic
def cause_add(
    *,
    incident: Incident,
    actor: Actor,
    category: str,
    description: str,
    role: str = CauseRole.CONTRIBUTING,
    status: str = CauseStatus.SUSPECTED,
    evidence: Iterable[Any] = (),
    status_changed_at: datetime | None = None,
) -> Cause:
    """Record a contributing factor; early guesses are `suspected` until confirmed or ruled out.

    `status_changed_at` (default now) is when it came to be suspected, confirmed or ruled out."""
    require_edit(actor, incident)
    errors: dict[str, str] = {}
    _check(errors, category=category, role=role, status=status, description=description)
    check_moment(errors, "status_changed_at", status_changed_at, what="A change of status")
    if errors:
        raise ValidationError(errors)
    events = _evidence(incident, evidence)
    cause = Cause(
        incident=incident,
        category=category,
        role=role,
        status=status,
        description=description.strip(),
        created_by=actor_or_none(actor),
        status_changed_at=status_changed_at or timezone.now(),
    )
    set_history_user(cause, actor)
    cause.save()
    if events:
        cause.evidence.set(events)
    if cause.status == CauseStatus.CONFIRMED:
        _announce_confirmed(cause, actor)
    return cause


@transaction.atomic
def cause_update(*, cause: Cause, actor: Actor, data: dict[str, Any]) -> Cause:
    """Edit a cause. A change of status is written to the timeline as a system entry at
    `status_changed_at` (given, or now), so the record shows what was believed when."""
    require_edit(actor, cause.incident)
    if cause.is_deleted:
        raise ValidationError({"cause": "This cause was deleted."})
    allowed = {"category", "role", "status", "description", "evidence", "status_changed_at"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    merged = {
        field: data.get(field, getattr(cause, field))
        for field in ("category", "role", "status", "description")
    }
    errors: dict[str, str] = {}
    _check(errors, **merged)
    changed_at = data.get("status_changed_at")
    check_moment(errors, "status_changed_at", changed_at, what="A change of status")
    status_changes = merged["status"] != cause.status
    if changed_at is not None and not status_changes and "status_changed_at" not in errors:
        errors["status_changed_at"] = "Give it with a new status: it is when the status changed."
    if errors:
        raise ValidationError(errors)
    events = _evidence(cause.incident, data["evidence"]) if "evidence" in data else None
    previous_status, previous_category = cause.status, cause.category
    if status_changes:
        cause.status_changed_at = changed_at or timezone.now()
    for field, value in merged.items():
        setattr(cause, field, value.strip() if field == "description" else value)
    set_history_user(cause, actor)
    cause.save()
    if events is not None:
        cause.evidence.set(events)
    if status_changes:
        system_event_add(
            incident=cause.incident,
            actor=actor,
            kind=EventKind.STATUS_CHANGE,
            body=_status_change_text(cause, previous_status),
            occurred_at=cause.status_changed_at,
        )
    if cause.status == CauseStatus.CONFIRMED and (status_changes or cause.category != previous_category):
        _announce_confirmed(cause, actor)
    return cause


def _announce_confirmed(cause: Cause, actor: Actor) -> None:
    """Tell listening apps a cause is now confirmed (insights looks for fixes that did not hold)."""
    incident_event_emit(
        name=IncidentEventName.CAUSE_CONFIRMED,
        incident=cause.incident,
        actor=actor,
        key=f"cause:{cause.pk}:{cause.category}:{cause.status_changed_at:%Y%m%dT%H%M%S%f}",
        detail={"cause_id": cause.pk, "category": cause.category},
    )


def _status_change_text(cause: Cause, previous_status: str) -> str:
    words = " ".join(cause.description.split())
    summary = words if len(words) <= SUMMARY_LENGTH else words[: SUMMARY_LENGTH - 1].rstrip() + "…"
    current, before = CauseStatus(cause.status).label.lower(), CauseStatus(previous_status).label.lower()
    return (
        f"Cause {current} (was {before}): {CauseRole(cause.role).label.lower()}, {cause.category} — {summary}"
    )


@transaction.atomic
def cause_delete(*, cause: Cause, actor: Actor) -> None:
    """Soft-delete a cause: hidden everywhere, kept for admins, who can restore it.
    Prefer `ruled_out` for a wrong guess: it keeps the record of what was considered."""
    require_edit(actor, cause.incident)
    soft_delete(cause, actor=actor)


@transaction.atomic
def cause_restore(*, cause: Cause, actor: Actor) -> Cause:
    """Undo a delete. Admins only."""
    require_admin(actor)
    restore(cause, actor=actor)
    return cause
