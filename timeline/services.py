"""Writes to the timeline. Callers check that the actor may edit the incident."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from timeline.actors import Actor, actor_or_none, set_history_user
from timeline.bounds import moment_error
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent
from timeline.signals import events_added
from timeline.softdelete import restore, soft_delete

MAX_BODY_LENGTH = 20_000

# What Hindsight and monitoring wrote is the record of what happened: nobody rewrites it, admins
# included. A `system` entry may only be pinned; a `webhook` entry's body is what the alert said
# (and its source stays `webhook`, or the body could be unlocked by relabelling it).
SYSTEM_EDITABLE_FIELDS = frozenset({"is_key"})
WEBHOOK_READ_ONLY_FIELDS = frozenset({"body", "source", "external_id"})


def read_only_fields(event: TimelineEvent) -> frozenset[str]:
    """Return the fields of `event` that no one may change (everything but `is_key` for system entries)."""
    if event.source == EventSource.SYSTEM:
        return frozenset(field.name for field in TimelineEvent._meta.concrete_fields) - SYSTEM_EDITABLE_FIELDS
    if event.source == EventSource.WEBHOOK:
        return WEBHOOK_READ_ONLY_FIELDS
    return frozenset()


def check_editable(event: TimelineEvent, changes: dict[str, Any]) -> None:
    """Refuse changes to what Hindsight or a webhook wrote (PermissionDenied, nothing saved).

    `changes` maps field names to the new values; a value equal to the current one is no change.
    """
    refused = sorted(
        field
        for field, value in changes.items()
        if field in read_only_fields(event) and _normalised(field, value) != getattr(event, field, None)
    )
    if not refused:
        return
    if event.source == EventSource.SYSTEM:
        raise PermissionDenied(
            "Hindsight wrote this entry from a change to the incident: it can be pinned, not edited."
        )
    raise PermissionDenied("This entry's text is what the alert said: it cannot be edited.")


def check_deletable(event: TimelineEvent) -> None:
    """Refuse deleting an entry Hindsight wrote: the record of status, severity and role changes stays."""
    if event.source == EventSource.SYSTEM:
        raise PermissionDenied(
            "Hindsight wrote this entry from a change to the incident: it cannot be deleted."
        )


def _normalised(field: str, value: Any) -> Any:
    return value.strip() if field == "body" and isinstance(value, str) else value


def _validate(*, kind: str, body: str, occurred_at: datetime | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in EventKind.values:
        errors["kind"] = f"Unknown kind {kind!r}; choose one of: {', '.join(EventKind.values)}."
    if not body or not body.strip():
        errors["body"] = "Write what happened."
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = f"Keep an entry under {MAX_BODY_LENGTH} characters."
    if occurred_at is not None and (error := moment_error(occurred_at, what="An entry")):
        errors["occurred_at"] = error
    return errors


@transaction.atomic
def timeline_event_add(
    *,
    incident: Any,
    actor: Actor,
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
        author=actor_or_none(actor) if source not in (EventSource.SYSTEM, EventSource.WEBHOOK) else None,
        source=source,
        is_key=is_key,
        external_id=external_id,
    )
    set_history_user(event, actor, at=now)
    event.save()
    return event


@dataclass(frozen=True)
class NewEntry:
    """One entry for `timeline_events_add_many`: what `timeline_event_add` takes for one, and,
    for a timeline restored from an export, when it was first recorded and last edited there."""

    actor: Actor
    body: str
    kind: str = EventKind.NOTE
    occurred_at: datetime | None = None
    is_key: bool = False
    external_id: str = ""
    recorded_at: datetime | None = None
    edited_at: datetime | None = None


@transaction.atomic
def timeline_events_add_many(
    *, incident: Any, entries: Sequence[NewEntry], source: str = EventSource.IMPORT
) -> list[TimelineEvent]:
    """Add many entries at once (imports, restored exports: an incident may bring thousands): each
    validated as `timeline_event_add` validates one, all written with their history rows in a few
    statements, the incident's record moved on once.

    A bad entry refuses the lot (ValidationError keyed `entries[i].field`); nothing is written.
    """
    errors = timeline_entries_errors(entries)
    if errors:
        raise ValidationError(errors)
    return timeline_events_add_bulk(items=[(incident, entries)], source=source)


def timeline_entries_errors(entries: Sequence[NewEntry]) -> dict[str, str]:
    """Check entries as `timeline_event_add` checks one; return the messages keyed `entries[i].field`."""
    errors: dict[str, str] = {}
    for index, entry in enumerate(entries):
        for field, message in _validate(
            kind=entry.kind, body=entry.body, occurred_at=entry.occurred_at
        ).items():
            errors[f"entries[{index}].{field}"] = message
    return errors


@transaction.atomic
def timeline_events_add_bulk(
    *, items: Sequence[tuple[Any, Sequence[NewEntry]]], source: str = EventSource.IMPORT
) -> list[TimelineEvent]:
    """Add the entries of many incidents in one go (a batch of imported incidents): one set of
    statements for all of them, each incident's record moved on once.

    Each item is (incident, its entries). A bad entry refuses the lot (ValidationError keyed
    `[i].entries[j].field`, i the item); nothing is written.
    """
    errors: dict[str, str] = {}
    for position, (_, entries) in enumerate(items):
        for key, message in timeline_entries_errors(entries).items():
            errors[f"[{position}].{key}"] = message
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    events = []
    for incident, entries in items:
        for entry in entries:
            actor = actor_or_none(entry.actor)
            event = TimelineEvent(
                incident=incident,
                occurred_at=entry.occurred_at or now,
                recorded_at=entry.recorded_at or now,
                kind=entry.kind,
                body=entry.body.strip(),
                author=actor if source not in (EventSource.SYSTEM, EventSource.WEBHOOK) else None,
                source=source,
                is_key=entry.is_key,
                external_id=entry.external_id,
                edited_at=entry.edited_at,
            )
            set_history_user(event, actor, at=now)
            events.append(event)
    if not events:
        return []
    created = bulk_create_with_history(events, TimelineEvent, batch_size=500, default_date=now)
    incident_ids = list(dict.fromkeys(event.incident_id for event in created))
    events_added.send(sender=TimelineEvent, incident_ids=incident_ids, events=created)
    return created


def system_event_add(
    *, incident: Any, actor: Actor, kind: str, body: str, occurred_at: datetime | None = None
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
def timeline_event_update(*, event: TimelineEvent, actor: Actor, data: dict[str, Any]) -> TimelineEvent:
    """Edit an event. The previous text stays in its history."""
    if event.is_deleted:
        raise ValidationError({"event": "This entry was deleted."})
    allowed = {"body", "kind", "occurred_at", "is_key"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    check_editable(event, data)
    kind = data.get("kind", event.kind)
    body = data.get("body", event.body)
    occurred_at = data.get("occurred_at", event.occurred_at)
    errors = _validate(kind=kind, body=body, occurred_at=occurred_at)
    if errors:
        raise ValidationError(errors)
    changed = False
    for field in ("kind", "body", "occurred_at", "is_key"):
        if field in data:
            value = _normalised(field, data[field])
            if getattr(event, field) != value:
                setattr(event, field, value)
                changed = True
    if changed:
        if "body" in data or "kind" in data or "occurred_at" in data:
            event.edited_at = timezone.now()
        set_history_user(event, actor)
        event.save()
    return event


@transaction.atomic
def timeline_event_delete(*, event: TimelineEvent, actor: Actor) -> TimelineEvent:
    """Soft-delete an event: hidden everywhere, kept for admins, who can restore it.

    Entries Hindsight wrote itself cannot be deleted (PermissionDenied)."""
    check_deletable(event)
    soft_delete(event, actor=actor)
    return event


@transaction.atomic
def timeline_event_restore(*, event: TimelineEvent, actor: Actor) -> TimelineEvent:
    """Undo a soft delete (admins only; the caller checks)."""
    restore(event, actor=actor)
    return event
