"""The intermediate record every importer produces, and the checks sources share.

An importer reads its tool's export and yields `SourceRecord`s (or a `RecordError` for a record it
cannot map); the writer turns each record into Hindsight rows. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from django.utils import timezone

from incidents.choices import (
    ActionKind,
    ActionPriority,
    ActionStatus,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from timeline.choices import EventKind

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


class RecordError(Exception):
    """A source record that cannot be imported: which record, which field, and why."""

    def __init__(self, *, record: str, field: str, message: str) -> None:
        super().__init__(f"{record}: {field}: {message}")
        self.record = record
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PersonRef:
    """A person as the source names them: its id for them, and whatever else it gives."""

    external_id: str
    name: str = ""
    email: str = ""


@dataclass
class EntryRecord:
    external_id: str
    occurred_at: datetime
    body: str
    kind: str = EventKind.NOTE
    author: PersonRef | None = None
    is_key: bool = False


@dataclass
class CauseRecord:
    external_id: str
    category: str
    description: str
    role: str = CauseRole.CONTRIBUTING
    status: str = CauseStatus.SUSPECTED


@dataclass
class ActionRecord:
    external_id: str
    title: str
    description: str = ""
    kind: str = ActionKind.PREVENT
    priority: str = ActionPriority.P2
    owner: PersonRef | None = None
    due_date: date | None = None
    status: str = ActionStatus.OPEN
    ticket_url: str = ""
    completion_note: str = ""


@dataclass
class SectionRecord:
    """Text for one postmortem section (`summary`, `went_well`, `lessons`, …), kept as authored."""

    key: str
    body: str


@dataclass
class SourceRecord:
    """One incident as a source describes it, in Hindsight's vocabulary."""

    source: str
    external_id: str
    title: str
    severity: str
    status: str = Status.INVESTIGATING
    summary: str = ""
    impact: str = ""
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    commander: PersonRef | None = None
    participants: list[PersonRef] = field(default_factory=list)
    private: bool = False
    started_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    url: str = ""
    entries: list[EntryRecord] = field(default_factory=list)
    causes: list[CauseRecord] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    sections: list[SectionRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How errors and reports name this record."""
        return f"{self.source} {self.external_id}"

    def fingerprint(self) -> str:
        """A digest of everything imported: equal digests mean nothing changed at the source."""
        # The JSON of `asdict(self)`, without its deep copy: json walks the dataclasses itself.
        canonical = json.dumps(self, sort_keys=True, default=_plain)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def check(self) -> None:
        """Raise RecordError for a value outside Hindsight's vocabularies."""
        checks: list[tuple[str, Any, list[str]]] = [
            ("severity", self.severity, Severity.values),
            ("status", self.status, Status.values),
        ]
        for index, entry in enumerate(self.entries):
            checks.append((f"entries[{index}].kind", entry.kind, EventKind.values))
        for index, cause in enumerate(self.causes):
            checks.append((f"causes[{index}].category", cause.category, CauseCategory.values))
            checks.append((f"causes[{index}].role", cause.role, CauseRole.values))
            checks.append((f"causes[{index}].status", cause.status, CauseStatus.values))
        for index, action in enumerate(self.actions):
            checks.append((f"actions[{index}].kind", action.kind, ActionKind.values))
            checks.append((f"actions[{index}].priority", action.priority, ActionPriority.values))
            checks.append((f"actions[{index}].status", action.status, ActionStatus.values))
        for name, value, allowed in checks:
            if value not in allowed:
                raise RecordError(
                    record=self.label, field=name, message=f"{value!r} is not one of {', '.join(allowed)}."
                )
        if not self.external_id:
            raise RecordError(record=self.label, field="id", message="The record has no id.")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: getattr(value, item.name) for item in fields(value)}
    return str(value)


def parse_time(
    value: Any, *, record: str, field: str, default_tz: tzinfo | None = None, required: bool = False
) -> datetime | None:
    """Read an ISO 8601 time, honouring its offset; UTC in the result.

    A time without an offset is read in `default_tz`, or refused when there is none. Times before
    1970 or more than a year ahead are refused: they are typos or placeholders, not history.
    """
    if value in (None, ""):
        if required:
            raise RecordError(record=record, field=field, message="This time is required.")
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as error:
            raise RecordError(
                record=record, field=field, message=f"{text!r} is not an ISO 8601 time."
            ) from error
    if timezone.is_naive(parsed):
        if default_tz is None:
            raise RecordError(
                record=record, field=field, message=f"{value!r} has no timezone offset (add Z or +01:00)."
            )
        parsed = parsed.replace(tzinfo=default_tz)
    parsed = parsed.astimezone(UTC)
    latest = timezone.now() + timedelta(days=366)
    if parsed < EARLIEST or parsed > latest:
        raise RecordError(
            record=record,
            field=field,
            message=f"{parsed.isoformat()} is outside 1970 to a year from now.",
        )
    return parsed


def parse_date(value: Any, *, record: str, field: str) -> date | None:
    """Read a YYYY-MM-DD date (or the date of an ISO time)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError as error:
        raise RecordError(record=record, field=field, message=f"{text!r} is not a date.") from error


def text(value: Any) -> str:
    """The value as text, or "" for nothing."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
