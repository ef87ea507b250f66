"""The record a model drafts from: this incident's items, numbered, read through the selectors.

Each item gets an id the model must cite: `[I1]` the incident's own fields, `[E3]` the third
timeline entry sent, `[C2]` a cause, `[A1]` an action item, `[U4]` a status update. The same ids
resolve the citations afterwards (label and link per id), so a draft can only cite what was sent.
Only the incident being written up is read, for the user who asked, through the privacy rule:
nothing of any other incident reaches the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse

from incidents import selectors
from incidents.drafting.checks import CauseFacts
from incidents.models import Incident
from timeline.selectors import timeline_for_incident

MAX_ITEM_TEXT = 1200


@dataclass(frozen=True)
class RecordItem:
    id: str
    kind: str
    line: str  # what the model reads
    label: str  # what a reader sees beside the citation
    url: str
    status: str = ""
    status_label: str = ""

    def citation(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "url": self.url}


@dataclass
class DraftRecord:
    incident: Incident
    items: dict[str, RecordItem] = field(default_factory=dict)
    left_out: int = 0  # timeline entries not sent (past LLM_MAX_RECORD_ITEMS)

    def add(self, item: RecordItem) -> None:
        self.items[item.id] = item

    def of_kind(self, prefix: str) -> list[RecordItem]:
        return [item for ident, item in self.items.items() if ident.startswith(prefix)]

    def causes(self) -> dict[str, CauseFacts]:
        return {
            item.id: CauseFacts(status=item.status, status_label=item.status_label)
            for item in self.of_kind("C")
        }


def utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _clip(text: str, limit: int = MAX_ITEM_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _incident_item(incident: Incident) -> RecordItem:
    services = ", ".join(incident.services.order_by("name").values_list("name", flat=True)) or "—"
    parts = [
        f"{incident.reference} “{_clip(incident.title, 200)}”",
        f"severity {incident.severity}",
        f"status {incident.get_status_display()}",
        f"services: {services}",
        f"started {utc(incident.started_at)}",
        f"detected {utc(incident.detected_at)}",
        f"acknowledged {utc(incident.acknowledged_at)}",
        f"mitigated {utc(incident.mitigated_at)}",
        f"resolved {utc(incident.resolved_at)}",
    ]
    if incident.summary.strip():
        parts.append(f"summary: {_clip(incident.summary)}")
    if incident.impact.strip():
        parts.append(f"impact: {_clip(incident.impact)}")
    return RecordItem(
        id="I1",
        kind="incident",
        line="; ".join(parts),
        label=f"{incident.reference} {incident.title}",
        url=incident.get_absolute_url(),
    )


def _timeline_rows(incident: Incident, limit: int) -> tuple[list[Any], int]:
    """Pinned entries always, then the others in order, up to `limit`; and how many were left out."""
    events = list(timeline_for_incident(incident=incident))
    if len(events) <= limit:
        return events, 0
    keep = {event.pk for event in events if event.is_key}
    for event in events:
        if len(keep) >= limit:
            break
        keep.add(event.pk)
    chosen = [event for event in events if event.pk in keep][: max(limit, 0)]
    return chosen, len(events) - len(chosen)


def build_record(*, user: Any, incident: Incident, max_entries: int) -> DraftRecord:
    """Read the incident's record as `user` sees it, numbered for citation."""
    record = DraftRecord(incident=incident)
    record.add(_incident_item(incident))
    base = incident.get_absolute_url()
    events, record.left_out = _timeline_rows(incident, max_entries)
    event_ids: dict[int, str] = {}
    for number, event in enumerate(events, start=1):
        ident = f"E{number}"
        event_ids[event.pk] = ident
        pinned = " (key event)" if event.is_key else ""
        record.add(
            RecordItem(
                id=ident,
                kind="timeline entry",
                line=f"{utc(event.occurred_at)} {event.kind}{pinned}: {_clip(event.body)}",
                label=f"{utc(event.occurred_at)} {event.get_kind_display()}: {_clip(event.body, 80)}",
                url=reverse("timeline-event", args=[incident.reference, event.pk]),
            )
        )
    for number, cause in enumerate(selectors.cause_list(user=user, incident=incident), start=1):
        evidence = [event_ids[e.pk] for e in cause.evidence.all() if e.pk in event_ids]
        supported = f" Evidence: {', '.join(evidence)}." if evidence else ""
        record.add(
            RecordItem(
                id=f"C{number}",
                kind="cause",
                line=(
                    f"status {cause.status.upper()}; {cause.get_role_display().lower()}, "
                    f"{cause.get_category_display().lower()}: {_clip(cause.description)}.{supported}"
                ),
                label=f"{cause.get_status_display()} cause: {_clip(cause.description, 80)}",
                url=f"{base}#cause-{cause.pk}",
                status=cause.status,
                status_label=cause.get_status_display(),
            )
        )
    actions = selectors.action_list(user=user).filter(incident=incident).order_by("created_at", "id")
    for number, action in enumerate(actions, start=1):
        detail = f" — {_clip(action.description, 400)}" if action.description.strip() else ""
        record.add(
            RecordItem(
                id=f"A{number}",
                kind="action item",
                line=(
                    f"{action.priority} {action.kind}, status {action.status}, due {action.due_date}: "
                    f"{_clip(action.title, 200)}{detail}"
                ),
                label=f"Action item: {_clip(action.title, 80)}",
                url=f"{base}#action-{action.pk}",
            )
        )
    updates = sorted(
        selectors.status_update_list(user=user, incident=incident), key=lambda u: (u.posted_at, u.pk)
    )
    for number, update in enumerate(updates, start=1):
        record.add(
            RecordItem(
                id=f"U{number}",
                kind="status update",
                line=(
                    f"{utc(update.posted_at)} {update.audience}, status {update.status}: "
                    f"{_clip(update.message)}"
                ),
                label=f"{update.get_audience_display()} update {utc(update.posted_at)}",
                url=f"{base}#update-{update.pk}",
            )
        )
    return record
