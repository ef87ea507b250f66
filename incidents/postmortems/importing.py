"""Restore an incident exported as JSON (`export_incident`) into this instance.

The incident gets a new reference here; people are matched by username and created inactive
(with no usable password) when this instance does not know them; every event's source becomes
`import`. Nothing is sent: no jobs, no reminders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import (
    LIFECYCLE_FIELDS,
    ActionKind,
    ActionPriority,
    ActionStatus,
    Audience,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.extensions import extension_keys
from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.postmortems.choices import PostmortemStatus, ReviewDecision, SectionSource
from incidents.postmortems.exports import EXPORT_FORMAT
from incidents.postmortems.models import Review, Section
from incidents.postmortems.services import postmortem_restore
from incidents.services import incident_restore
from incidents.services.restore import RestoredAction, RestoredCause, record_restore
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent
from timeline.services import NewEntry, timeline_events_add_many


def _when(value: Any, field: str, *, required: bool = False) -> datetime | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: "This time is required."})
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationError({field: f"{value!r} is not an ISO 8601 time."}) from error
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationError({field: f"{value!r} is not a date."}) from error


def _choice(value: Any, allowed: list[str], field: str) -> str:
    if value not in allowed:
        raise ValidationError({field: f"{value!r} is not one of {', '.join(allowed)}."})
    return str(value)


class _People:
    """Match usernames to users here, creating missing ones inactive."""

    def __init__(self, described: list[dict[str, Any]]) -> None:
        self.described = {item.get("username"): item for item in described if isinstance(item, dict)}
        self.cache: dict[str, Any] = {}

    def get(self, username: Any) -> Any:
        if not username:
            return None
        name = str(username)[:150]
        if name not in self.cache:
            User = get_user_model()
            user = User.objects.filter(username=name).first()
            if user is None:
                extra = self.described.get(name, {})
                user = User(
                    username=name,
                    first_name=str(extra.get("first_name", ""))[:150],
                    last_name=str(extra.get("last_name", ""))[:150],
                    is_active=False,
                )
                user.set_unusable_password()
                user.save()
            self.cache[name] = user
        return self.cache[name]


@transaction.atomic
def incident_import(*, data: Any) -> Incident:
    """Create a new incident from an exported record and return it."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValidationError({"format": "This is not a Hindsight incident export."})
    source = data.get("incident")
    if not isinstance(source, dict):
        raise ValidationError({"incident": "The export has no incident."})
    people = _People(data.get("users") or [])
    times = {
        field: _when(source.get(field), field, required=field == "started_at") for field in LIFECYCLE_FIELDS
    }
    times["detected_at"] = times["detected_at"] or times["started_at"]
    incident = incident_restore(
        actor=None,
        values={
            "title": str(source.get("title") or "Imported incident")[:200],
            "summary": str(source.get("summary") or ""),
            "impact": str(source.get("impact") or ""),
            "severity": _choice(source.get("severity"), Severity.values, "severity"),
            "status": _choice(source.get("status"), Status.values, "status"),
            "private": bool(source.get("private")),
            "tags": [str(tag) for tag in source.get("tags") or []][:20],
            "false_alarm": bool(source.get("false_alarm")),
            "commander": people.get(source.get("commander")),
            "reporter": people.get(source.get("reporter")),
            **times,
        },
        services=source.get("services") or [],
        participants=[people.get(name) for name in source.get("participants") or []],
        # What other apps add (a type and its custom fields), checked as on declare.
        extra={key: source[key] for key in extension_keys() if key in source},
    )

    items = [item for item in data.get("events") or [] if isinstance(item, dict)]
    imported = []
    for item in items:
        occurred = _when(item.get("occurred_at"), "events.occurred_at", required=True) or timezone.now()
        imported.append(
            NewEntry(
                actor=people.get(item.get("author")),
                occurred_at=occurred,
                recorded_at=_when(item.get("recorded_at"), "events.recorded_at") or occurred,
                kind=_choice(item.get("kind"), EventKind.values, "events.kind"),
                body=str(item.get("body") or "(empty)"),
                is_key=bool(item.get("is_key")),
                external_id=str(item.get("external_id") or "")[:200],
                edited_at=_when(item.get("edited_at"), "events.edited_at"),
            )
        )
    try:
        events = timeline_events_add_many(incident=incident, entries=imported, source=EventSource.IMPORT)
    except ValidationError as error:
        # The service names entries by position; the export's field is `events.<field>`.
        raise ValidationError(
            {f"events.{name.partition('].')[2]}": messages for name, messages in error.message_dict.items()}
        ) from error
    event_map: dict[Any, TimelineEvent] = {
        item.get("id"): event for item, event in zip(items, events, strict=True)
    }

    causes = [
        RestoredCause(
            cause=Cause(
                category=_choice(item.get("category"), CauseCategory.values, "causes.category"),
                role=_choice(item.get("role"), CauseRole.values, "causes.role"),
                status=_choice(item.get("status"), CauseStatus.values, "causes.status"),
                description=str(item.get("description") or ""),
                status_changed_at=_when(item.get("status_changed_at"), "causes.status_changed_at"),
                created_by=people.get(item.get("created_by")),
            ),
            evidence=[event_map[ref] for ref in item.get("evidence") or [] if ref in event_map],
            key=item.get("id"),
        )
        for item in data.get("causes") or []
    ]
    actions = [
        RestoredAction(
            action=RemediationAction(
                title=str(item.get("title") or "Imported action")[:200],
                description=str(item.get("description") or ""),
                kind=_choice(item.get("kind"), ActionKind.values, "actions.kind"),
                priority=_choice(item.get("priority"), ActionPriority.values, "actions.priority"),
                owner=people.get(item.get("owner")),
                due_date=_day(item.get("due_date"), "actions.due_date") or timezone.localdate(),
                status=_choice(item.get("status"), ActionStatus.values, "actions.status"),
                ticket_url=str(item.get("ticket_url") or "")[:500],
                completed_at=_when(item.get("completed_at"), "actions.completed_at"),
                completion_note=str(item.get("completion_note") or ""),
            ),
            cause_keys=list(item.get("causes") or []),
        )
        for item in data.get("actions") or []
    ]
    updates = [
        StatusUpdate(
            audience=_choice(item.get("audience"), Audience.values, "updates.audience"),
            status=_choice(item.get("status"), Status.values, "updates.status"),
            message=str(item.get("message") or ""),
            author=people.get(item.get("author")),
            posted_at=_when(item.get("posted_at"), "updates.posted_at") or timezone.now(),
            event=event_map.get(item.get("event")),
        )
        for item in data.get("updates") or []
    ]
    record_restore(incident=incident, actor=None, causes=causes, actions=actions, updates=updates)

    _import_postmortem(
        incident, data.get("postmortem"), people, origin=str(source.get("reference") or "an export")
    )
    return incident


def _import_postmortem(incident: Incident, source: Any, people: _People, *, origin: str) -> None:
    if not isinstance(source, dict):
        return
    postmortem_restore(
        incident=incident,
        actor=None,
        values={
            "status": _choice(source.get("status"), PostmortemStatus.values, "postmortem.status"),
            "due_date": _day(source.get("due_date"), "postmortem.due_date"),
            "published_at": _when(source.get("published_at"), "postmortem.published_at"),
            "public": bool(source.get("public")),
        },
        reviewers=[people.get(name) for name in source.get("reviewers") or []],
        sections=[
            Section(
                key=str(item.get("key"))[:50],
                title=str(item.get("title") or item.get("key"))[:200],
                position=int(item.get("position") or position),
                source=_choice(item.get("source"), SectionSource.values, "postmortem.sections.source"),
                prompt=str(item.get("prompt") or ""),
                body=str(item.get("body") or ""),
                generated_body=str(item.get("generated_body") or ""),
                edited=bool(item.get("edited")),
                stale=bool(item.get("stale")),
            )
            for position, item in enumerate(source.get("sections") or [])
            if isinstance(item, dict) and item.get("key")
        ],
        reviews=[
            Review(
                reviewer=people.get(item.get("reviewer")),
                decision=_choice(item.get("decision"), ReviewDecision.values, "postmortem.reviews.decision"),
                comment=str(item.get("comment") or ""),
                revision_number=int(item.get("revision_number") or 0),
            )
            for item in source.get("reviews") or []
        ],
        origin=origin,
    )
