"""The audit trail of an incident and everything in it, read from django-simple-history.

One selector, `incident_audit`, serves both the History tab and `GET /api/v1/incidents/{id}/history/`.
Each historical row is diffed against the previous version of the same object in Python, with a
fixed number of queries per model, so the trail stays fast on incidents with thousands of entries.
Callers pass an incident they already found through the privacy rule (`selectors.incident_get`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import ForeignKey, Model
from django.utils.text import capfirst
from simple_history.utils import get_history_manager_for_model, get_history_model_for_model

from incidents.choices import Audience, CauseCategory, CauseRole, CauseStatus
from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.templatetags.hindsight import display_name, local_parts
from timeline.models import TimelineEvent

AUDIT_PAGE = 100
# Bookkeeping that changes on every save and tells a reader nothing.
IGNORED_FIELDS = {
    "id",
    "incident",
    "created_at",
    "updated_at",
    "recorded_at",
    "edited_at",
    "status_changed_at",
    "version",
    "number",
    "reference",
}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# How another incident the reader may not see is named (never its reference or title).
HIDDEN_INCIDENT = "an incident you cannot see"

# (object type, model): the models whose history makes up an incident's trail. Postmortems keep
# their own revision history (every generation and save), shown in the postmortem editor. Other
# apps append theirs (a model with an `incident` foreign key and HistoricalRecords) in `ready()`:
# incidents.taxonomy adds an incident's type and custom field values.
MODELS: list[tuple[str, type[Model]]] = [
    ("incident", Incident),
    ("timeline entry", TimelineEvent),
    ("cause", Cause),
    ("action item", RemediationAction),
    ("status update", StatusUpdate),
]
OBJECT_TYPES = [kind for kind, _ in MODELS]


@dataclass(frozen=True)
class Actor:
    username: str
    name: str


@dataclass(frozen=True)
class FieldChange:
    """One field of one saved version: its value before and after, as a reader sees them."""

    field: str
    label: str
    before: str
    after: str


@dataclass
class AuditEntry:
    """One saved version of one object: who saved it, when, and which fields changed."""

    at: datetime
    actor: Actor | None  # None: Hindsight itself or a webhook
    action: str  # created, changed, deleted
    object_type: str  # one of OBJECT_TYPES
    object_id: int
    object_title: str
    anchor: str  # where the object sits on the incident page ("#event-12"), or ""
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def who(self) -> str:
        return self.actor.name if self.actor else "Hindsight"


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    cursor: datetime | None  # pass as `before` for the older entries; None when there are none


def _history_rows(model: type[Model], incident: Incident, before: datetime | None, limit: int) -> list[Any]:
    manager: Any = get_history_manager_for_model(model)
    lookup = {"id": incident.pk} if model is Incident else {"incident_id": incident.pk}
    qs = manager.filter(**lookup)
    if before is not None:
        qs = qs.filter(history_date__lt=before)
    return list(qs.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])


def _all_versions(model: type[Model], ids: set[int]) -> list[Any]:
    manager: Any = get_history_manager_for_model(model)
    return list(manager.filter(id__in=ids).order_by("id", "history_date", "history_id"))


def _m2m_sets(history_model: Any, history_ids: list[int]) -> dict[str, dict[int, set[int]]]:
    """Return {m2m field: {history_id: set of related ids}} for the given versions."""
    result: dict[str, dict[int, set[int]]] = {}
    for m2m_field in history_model._history_m2m_fields:
        through = history_model.__dict__[m2m_field.name].model
        target = next(
            f.attname
            for f in through._meta.fields
            if isinstance(f, ForeignKey) and f.related_model is m2m_field.related_model
        )
        sets: dict[int, set[int]] = defaultdict(set)
        for history_id, related_id in through.objects.filter(history_id__in=history_ids).values_list(
            "history_id", target
        ):
            sets[history_id].add(related_id)
        result[m2m_field.name] = sets
    return result


def _title(kind: str, row: Any) -> tuple[str, str]:
    """Return what a reader calls the object, and its anchor on the incident page."""
    if kind == "incident":
        return f"{row.reference} {row.title}", ""
    if kind == "timeline entry":
        return _entry_title(row.body), f"#event-{row.id}"
    if kind == "cause":
        return _cause_title(row), f"#cause-{row.id}"
    if kind == "action item":
        return row.title, f"#action-{row.id}"
    if kind == "status update":
        return f"{Audience(row.audience).label} update", "#updates"
    # A model another app adds to the trail (appended to MODELS from its AppConfig.ready).
    return capfirst(kind), ""


def _entry_title(body: str) -> str:
    return body if len(body) <= 60 else body[:59] + "…"


def _cause_title(cause: Any) -> str:
    role, category = CauseRole(cause.role).label, CauseCategory(cause.category).label
    return f"{role} · {category} ({CauseStatus(cause.status).label})"


def _field_label(field: Any) -> str:
    """`detected_at` reads as `Detected at`: the field's verbose name, as the forms label it."""
    return capfirst(str(field.verbose_name))


def _titles(model: type[Model], ids: set[int], user: Any) -> dict[int, str]:
    """{id: how a person recognises the record}: a name, a title, an entry's first words."""
    if not ids:
        return {}
    manager: Any = getattr(model, "all_objects", model._default_manager)
    records = manager.filter(pk__in=ids)
    if model is get_user_model():
        return {person.pk: display_name(person) for person in records}
    if model is Incident:
        visible = {
            incident.pk: f"{incident.reference} {incident.title}" for incident in records.visible_to(user)
        }
        return {pk: visible.get(pk, HIDDEN_INCIDENT) for pk in ids}
    if model is TimelineEvent:
        return {event.pk: _entry_title(event.body) for event in records}
    if model is Cause:
        return {cause.pk: _cause_title(cause) for cause in records}
    return {record.pk: str(record) for record in records}


class _Reader:
    """Shows stored values as a person reads them, with the titles of the records they name."""

    def __init__(self, titles: dict[Any, dict[int, str]]) -> None:
        self.titles = titles

    def show(self, value: Any, field: Any = None, related: Any = None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, set):
            names = self.titles.get(related, {})
            return "; ".join(sorted(names.get(item, "(removed)") for item in value)) or "—"
        if related is not None:
            return self.titles.get(related, {}).get(value, "(removed)")
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime):
            day, clock, zone = local_parts(value)
            return f"{day} {clock} {zone}"
        text = str(value)
        return text if len(text) <= 300 else text[:299] + "…"


def _actor(user: Any) -> Actor | None:
    if user is None:
        return None
    return Actor(username=user.get_username(), name=display_name(user))


def incident_audit(
    *, user: Any, incident: Incident, before: datetime | None = None, limit: int = AUDIT_PAGE
) -> AuditPage:
    """Return the newest audit entries of the incident (older than `before`), newest first.

    Other incidents a version names (the original of a duplicate) are shown by their reference and
    title only to a `user` who may see them; to anyone else they are "an incident you cannot see".
    """
    collected: list[tuple[str, Any]] = []
    for kind, model in MODELS:
        collected += [(kind, row) for row in _history_rows(model, incident, before, limit)]
    collected.sort(key=lambda item: (item[1].history_date, item[1].history_id), reverse=True)
    has_more = len(collected) > limit
    collected = collected[:limit]

    previous: dict[tuple[str, int], Any] = {}
    m2m: dict[str, dict[str, dict[int, set[int]]]] = {}
    wanted: dict[Any, set[int]] = defaultdict(set)
    for kind, model in MODELS:
        ids = {row.id for row_kind, row in collected if row_kind == kind}
        if not ids:
            continue
        versions = _all_versions(model, ids)
        for earlier, later in zip(versions, versions[1:], strict=False):
            if earlier.id == later.id:
                previous[(kind, later.history_id)] = earlier
        history_model: Any = get_history_model_for_model(model)
        m2m[kind] = _m2m_sets(history_model, [version.history_id for version in versions])
        for version in versions:
            for tracked in version.tracked_fields:
                if tracked.is_relation and getattr(version, tracked.attname, None):
                    wanted[tracked.related_model].add(getattr(version, tracked.attname))
        for m2m_field in history_model._history_m2m_fields:
            for related_ids in m2m[kind].get(m2m_field.name, {}).values():
                wanted[m2m_field.related_model].update(related_ids)
    # Titles of the records the versions name: one query per model.
    reader = _Reader({model: _titles(model, ids, user) for model, ids in wanted.items()})

    entries: list[AuditEntry] = []
    for kind, row in collected:
        title, anchor = _title(kind, row)
        entry = AuditEntry(
            at=row.history_date,
            actor=_actor(row.history_user),
            action=ACTIONS.get(row.history_type, row.history_type),
            object_type=kind,
            object_id=row.id,
            object_title=title,
            anchor=anchor,
        )
        old = previous.get((kind, row.history_id))
        if row.history_type != "-":
            for tracked in row.tracked_fields:
                name = tracked.attname
                if tracked.name in IGNORED_FIELDS or name in IGNORED_FIELDS:
                    continue
                after = getattr(row, name)
                before_value = getattr(old, name) if old is not None else None
                if old is None and after in (None, "", [], False):
                    continue
                if old is not None and before_value == after:
                    continue
                related = tracked.related_model if tracked.is_relation else None
                entry.changes.append(
                    FieldChange(
                        field=tracked.name,
                        label=_field_label(tracked),
                        before=reader.show(before_value, tracked, related) if old is not None else "—",
                        after=reader.show(after, tracked, related),
                    )
                )
            for m2m_field in type(row)._history_m2m_fields:
                sets = m2m.get(kind, {}).get(m2m_field.name, {})
                after_set = sets.get(row.history_id, set())
                before_set = sets.get(old.history_id, set()) if old is not None else set()
                if after_set != before_set:
                    entry.changes.append(
                        FieldChange(
                            field=m2m_field.name,
                            label=_field_label(m2m_field),
                            before=reader.show(before_set, related=m2m_field.related_model),
                            after=reader.show(after_set, related=m2m_field.related_model),
                        )
                    )
        entries.append(entry)
    cursor = collected[-1][1].history_date if has_more and collected else None
    return AuditPage(entries=entries, cursor=cursor)


def incident_audit_count(*, incident: Incident) -> int:
    """Return how many saved versions make up the incident's trail (one COUNT per model)."""
    total = 0
    for _kind, model in MODELS:
        manager: Any = get_history_manager_for_model(model)
        lookup = {"id": incident.pk} if model is Incident else {"incident_id": incident.pk}
        total += manager.filter(**lookup).count()
    return total
