"""Writes to the timeline. Callers check that the actor may edit the incident."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from timeline.bounds import too_early
from timeline.choices import EventKind, EventSource
from timeline.history import insert_with_history
from timeline.models import TimelineEvent

MAX_BODY_LENGTH = 20_000


def _actor(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _validate(*, kind: str, body: str, occurred_at: datetime | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in EventKind.values:
        errors["kind"] = f"Unknown kind {kind!r}; choose one of: {', '.join(EventKind.values)}."
    if not body or not body.strip():
        errors["body"] = "Write what happened."
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = f"Keep an entry under {MAX_BODY_LENGTH} characters."
    if occurred_at is not None:
        if timezone.is_naive(occurred_at):
            errors["occurred_at"] = "Give a time with its timezone."
        elif occurred_at > timezone.now() + timedelta(minutes=5):
            errors["occurred_at"] = "An entry cannot be in the future."
        elif too_early(occurred_at):
            errors["occurred_at"] = str(too_early(occurred_at))
    return errors


def timeline_event_add(
    *,
    incident: Any,
    actor: Any,
    kind: str = EventKind.NOTE,
    body: str,
    occurred_at: datetime | None = None,
    is_key: bool = False,
    source: str = EventSource.WEB,
    external_id: str = "",
) -> TimelineEvent:
    """Add an event to the incident's timeline; `occurred_at` defaults to now (may be back-dated)."""
    errors = _validate(kind=kind, body=body, occurred_at=occurred_at)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    event = TimelineEvent(
        incident=incident,
        occurred_at=occurred_at or now,
        recorded_at=now,
        kind=kind,
        body=body.strip(),
        author=_actor(actor) if source not in (EventSource.SYSTEM, EventSource.WEBHOOK) else None,
        source=source,
        is_key=is_key,
        external_id=external_id,
    )
    # The entry and its audit-trail row in one statement (what event.save() writes, in one round trip).
    insert_with_history(event, history_user=_actor(actor), history_date=now)
    return event


def system_event_add(
    *, incident: Any, actor: Any, kind: str, body: str, occurred_at: datetime | None = None
) -> TimelineEvent:
    """Write an event Hindsight records itself (status, severity, role and milestone changes)."""
    return timeline_event_add(
        incident=incident,
        actor=actor,
        kind=kind,
        body=body,
        occurred_at=occurred_at,
        source=EventSource.SYSTEM,
    )


@transaction.atomic
def timeline_event_update(*, event: TimelineEvent, actor: Any, data: dict[str, Any]) -> TimelineEvent:
    """Edit an event. The previous text stays in its history."""
    if event.is_deleted:
        raise ValidationError({"event": "This entry was deleted."})
    allowed = {"body", "kind", "occurred_at", "is_key"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    kind = data.get("kind", event.kind)
    body = data.get("body", event.body)
    occurred_at = data.get("occurred_at", event.occurred_at)
    errors = _validate(kind=kind, body=body, occurred_at=occurred_at)
    if errors:
        raise ValidationError(errors)
    changed = False
    for field in ("kind", "body", "occurred_at", "is_key"):
        if field in data:
            value = data[field].strip() if field == "body" else data[field]
            if getattr(event, field) != value:
                setattr(event, field, value)
                changed = True
    if changed:
        if "body" in data or "kind" in data or "occurred_at" in data:
            event.edited_at = timezone.now()
        event._history_user = _actor(actor)  # type: ignore[attr-defined]
        event.save()
    return event


@transaction.atomic
def timeline_event_delete(*, event: TimelineEvent, actor: Any) -> TimelineEvent:
    """Soft-delete an event: hidden everywhere, kept for admins, who can restore it."""
    if not event.is_deleted:
        event.deleted_at = timezone.now()
        event.deleted_by = _actor(actor)
        event._history_user = _actor(actor)  # type: ignore[attr-defined]
        event.save(update_fields=["deleted_at", "deleted_by"])
    return event


@transaction.atomic
def timeline_event_restore(*, event: TimelineEvent, actor: Any) -> TimelineEvent:
    """Undo a soft delete (admins only; the caller checks)."""
    if event.is_deleted:
        event.deleted_at = None
        event.deleted_by = None
        event._history_user = _actor(actor)  # type: ignore[attr-defined]
        event.save(update_fields=["deleted_at", "deleted_by"])
    return event
