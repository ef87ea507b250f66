"""The History tab: the audit trail (django-simple-history) of an incident and everything in it.

Each historical row is diffed against the previous version of the same object in Python, with a
fixed number of queries per model, so the tab stays fast on incidents with thousands of entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import ForeignKey, Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.query import BoundedDateTimeField, query_values
from incidents.views.common import incident_or_404, is_htmx
from timeline.models import TimelineEvent

HISTORY_PAGE = 100
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
ACTION_LABELS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str
    kind: str
    label: str
    anchor: str
    changes: list[FieldChange] = field(default_factory=list)


def _history_rows(model: type[Model], incident: Incident, before: datetime | None) -> list[Any]:
    manager: Any = model.history  # type: ignore[attr-defined]
    lookup = {"id": incident.pk} if model is Incident else {"incident_id": incident.pk}
    qs = manager.filter(**lookup)
    if before is not None:
        qs = qs.filter(history_date__lt=before)
    return list(
        qs.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_PAGE + 1]
    )


def _all_versions(model: type[Model], ids: set[int]) -> list[Any]:
    manager: Any = model.history  # type: ignore[attr-defined]
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


def _label(kind: str, row: Any) -> tuple[str, str]:
    if kind == "incident":
        return row.reference, ""
    if kind == "timeline entry":
        body = row.body if len(row.body) <= 60 else row.body[:59] + "…"
        return body, f"#event-{row.id}"
    if kind == "cause":
        return f"{row.category} · {row.role} · {row.status}", f"#cause-{row.id}"
    if kind == "action item":
        return row.title, f"#action-{row.id}"
    return f"{row.audience} update", "#updates"


def _show(value: Any, name: str, users: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name in USER_FIELDS:
        return users.get(value, f"user {value}")
    if isinstance(value, datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    if isinstance(value, set):
        return ", ".join(f"#{item}" for item in sorted(value)) or "—"
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


USER_FIELDS = {"commander_id", "reporter_id", "owner_id", "author_id", "deleted_by_id", "created_by_id"}

MODELS: list[tuple[str, type[Model]]] = [
    ("incident", Incident),
    ("timeline entry", TimelineEvent),
    ("cause", Cause),
    ("action item", RemediationAction),
    ("status update", StatusUpdate),
]


def incident_history_entries(
    incident: Incident, before: datetime | None = None
) -> tuple[list[HistoryEntry], datetime | None]:
    """Return the newest audit entries (before `before`), and the cursor for older ones, if any."""
    collected: list[tuple[str, Any]] = []
    for kind, model in MODELS:
        collected += [(kind, row) for row in _history_rows(model, incident, before)]
    collected.sort(key=lambda item: (item[1].history_date, item[1].history_id), reverse=True)
    has_more = len(collected) > HISTORY_PAGE
    collected = collected[:HISTORY_PAGE]

    previous: dict[tuple[str, int], Any] = {}
    m2m: dict[str, dict[str, dict[int, set[int]]]] = {}
    user_ids: set[int] = set()
    for kind, model in MODELS:
        ids = {row.id for row_kind, row in collected if row_kind == kind}
        if not ids:
            continue
        versions = _all_versions(model, ids)
        for earlier, later in zip(versions, versions[1:], strict=False):
            if earlier.id == later.id:
                previous[(kind, later.history_id)] = earlier
        history_model: Any = model.history.model  # type: ignore[attr-defined]
        m2m[kind] = _m2m_sets(history_model, [version.history_id for version in versions])
        for version in versions:
            user_ids.update(getattr(version, name) for name in USER_FIELDS if getattr(version, name, None))
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))

    entries: list[HistoryEntry] = []
    for kind, row in collected:
        label, anchor = _label(kind, row)
        entry = HistoryEntry(
            when=row.history_date,
            who=row.history_user.get_username() if row.history_user else "Hindsight",
            action=ACTION_LABELS.get(row.history_type, row.history_type),
            kind=kind,
            label=label,
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
                entry.changes.append(
                    FieldChange(
                        tracked.name,
                        _show(before_value, name, users) if old is not None else "—",
                        _show(after, name, users),
                    )
                )
            for m2m_name, sets in m2m.get(kind, {}).items():
                after_set = sets.get(row.history_id, set())
                before_set = sets.get(old.history_id, set()) if old is not None else set()
                if after_set != before_set:
                    entry.changes.append(
                        FieldChange(m2m_name, _show(before_set, "", users), _show(after_set, "", users))
                    )
        entries.append(entry)
    cursor = collected[-1][1].history_date if has_more and collected else None
    return entries, cursor


class HistoryQuery(forms.Form):
    before = BoundedDateTimeField(required=False)


@login_required
def incident_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The History tab: who changed what, when, with each field's value before and after."""
    incident = incident_or_404(request, reference)
    before = query_values(request, HistoryQuery)["before"]
    entries, cursor = incident_history_entries(incident, before)
    context = {"incident": incident, "entries": entries, "cursor": cursor}
    if is_htmx(request):
        return render(request, "incidents/_history_entries.html", context)
    return render(request, "incidents/incident_history.html", context)
