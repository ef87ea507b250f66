"""Build the generated sections' Markdown from the incident record.

Everything is read in a handful of queries (the timeline through `timeline.selectors`), and
per-event lines are formatted in Python: the section templates lay out the document, but a
template loop over 10,000 events would cost more than the rest of generation together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.template.loader import get_template
from django.utils import timezone

from incidents.choices import ActionStatus, CauseRole, CauseStatus
from incidents.models import Cause, Incident, RemediationAction
from incidents.postmortems.choices import SEEDED_FROM_INCIDENT
from incidents.selectors import incident_roles
from incidents.templatetags.hindsight import display_name, duration
from timeline.choices import EventKind, EventSource
from timeline.selectors import timeline_for_incident

ROLE_ORDER = [CauseRole.TRIGGER, CauseRole.ROOT_CAUSE, CauseRole.CONTRIBUTING]
ROLE_HEADINGS = {
    CauseRole.TRIGGER: "Trigger",
    CauseRole.ROOT_CAUSE: "Root causes",
    CauseRole.CONTRIBUTING: "Contributing factors",
}
STATUS_ORDER: dict[str, int] = {CauseStatus.CONFIRMED: 0, CauseStatus.SUSPECTED: 1, CauseStatus.RULED_OUT: 2}
PRIORITY_ORDER: dict[str, int] = {"P1": 0, "P2": 1, "P3": 2}
DETECTION_KINDS = ("detection", "alert")
MAX_DETECTION_EVENTS = 20
# An alert entry saying the signal cleared ("**Resolved:** …" from Alertmanager, "[RESOLVED] …"
# from Grafana-style titles) is recovery, not detection.
RECOVERY_ALERT = re.compile(r"^\W*resolved\b", re.IGNORECASE)
MAX_NOTE_LENGTH = 300


@dataclass(slots=True)
class Event:
    id: int
    occurred_at: datetime
    kind: str
    body: str
    is_key: bool
    source: str
    author: str | None


@dataclass
class Record:
    """The incident and everything the generated sections show, read once."""

    incident: Incident
    services: list[str]
    commander: str | None
    events: list[Event]
    causes: list[Cause]
    evidence: dict[int, list[Event]] = field(default_factory=dict)
    actions: list[RemediationAction] = field(default_factory=list)
    # The other roles someone holds (communications lead, scribe, …): (role name, person).
    roles: list[tuple[str, str]] = field(default_factory=list)


def utc(moment: datetime | None) -> str:
    """Format a moment as `2026-11-20 23:58 UTC` (or an em dash)."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def offset(moment: datetime, start: datetime) -> str:
    """Return `T+hh:mm` from the start of impact (`T-hh:mm` for what came before it)."""
    seconds = int((moment - start).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"T{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def table_cell(text: Any) -> str:
    """Keep a value inside one Markdown table cell: no pipes, no line breaks."""
    return " ".join(str(text).split()).replace("|", "\\|") if text not in (None, "") else "—"


def _list_item_body(text: str) -> str:
    # Continuation lines are indented so a multi-line entry stays inside its list item.
    lines = text.strip().splitlines() or [""]
    return lines[0] + "".join(f"\n  {line}" if line.strip() else "\n" for line in lines[1:])


def load_record(incident: Incident) -> Record:
    """Read the incident's record for generation: six queries whatever its size."""
    incident = Incident.objects.select_related("commander").get(pk=incident.pk)
    services = list(incident.services.order_by("name").values_list("name", flat=True))
    rows = timeline_for_incident(incident=incident).values_list(
        "id",
        "occurred_at",
        "kind",
        "body",
        "is_key",
        "source",
        "author__username",
        "author__first_name",
        "author__last_name",
    )
    # Authors by the name colleagues know them by (a published postmortem may be public).
    events = [
        Event(
            id=event_id,
            occurred_at=occurred_at,
            kind=kind,
            body=body,
            is_key=is_key,
            source=source,
            author=f"{first or ''} {last or ''}".strip() or username,
        )
        for event_id, occurred_at, kind, body, is_key, source, username, first, last in rows
    ]
    causes = list(Cause.objects.filter(incident=incident).order_by("created_at", "id"))
    by_id = {event.id: event for event in events}
    evidence: dict[int, list[Event]] = defaultdict(list)
    links = Cause.evidence.through.objects.filter(cause__incident=incident).values_list(
        "cause_id", "timelineevent_id"
    )
    for cause_id, event_id in links:
        event = by_id.get(event_id)
        if event is not None:  # soft-deleted evidence is not shown
            evidence[cause_id].append(event)
    for items in evidence.values():
        items.sort(key=lambda event: (event.occurred_at, event.id))
    actions = sorted(
        RemediationAction.objects.filter(incident=incident).select_related("owner"),
        key=lambda action: (PRIORITY_ORDER.get(action.priority, 9), action.due_date, action.pk),
    )
    return Record(
        incident=incident,
        services=services,
        commander=display_name(incident.commander) or None,
        events=events,
        causes=causes,
        evidence=dict(evidence),
        actions=actions,
        roles=[
            (slot.name, display_name(slot.holder))
            for slot in incident_roles(incident=incident)
            if slot.key != "commander" and slot.holder is not None
        ],
    )


def _kind_label(kind: str) -> str:
    return str(dict(EventKind.choices).get(kind, kind))


def timeline_lines(events: Iterable[Event], start: datetime, *, full: bool, sources: bool = False) -> str:
    """Return events as Markdown list items under a date line whenever the (UTC) date changes.

    `full` names each entry's author; `sources` also says where it came from (web, API, …), which
    only the internal appendix shows: the other sections may be read by the public.
    """
    out: list[str] = []
    current: date | None = None
    for event in events:
        moment = event.occurred_at.astimezone(UTC)
        day = moment.date()
        if day != current:
            if out:
                out.append("")
            out.append(f"**{day:%Y-%m-%d} ({day:%A})**")
            out.append("")
            current = day
        who = ""
        if full:
            author = event.author or ("Hindsight" if event.source in ("system", "webhook") else "unknown")
            who = f" — {author}"
            if sources:
                who += f" ({EventSource(event.source).label})"
        kind = _kind_label(event.kind)
        out.append(
            f"- **{moment:%H:%M} UTC** · {offset(event.occurred_at, start)} · _{kind}_{who} — "
            f"{_list_item_body(event.body)}"
        )
    return "\n".join(out)


def _render(key: str, context: dict[str, Any]) -> str:
    return get_template(f"postmortems/sections/{key}.md").render(context).strip()


def _header(record: Record) -> str:
    incident = record.incident
    end = incident.resolved_at
    rows = [
        ("Reference", incident.reference),
        ("Title", incident.title),
        ("Severity", incident.severity),
        ("Services", ", ".join(record.services) or "—"),
        ("Commander", record.commander or "—"),
        *record.roles,
        ("Start", utc(incident.started_at)),
        ("End", utc(end) if end else "ongoing"),
        ("Duration", duration(incident.time_to_resolve) if end else "ongoing"),
        ("Status", incident.get_status_display()),
    ]
    return _render("header", {"rows": [(label, table_cell(value)) for label, value in rows]})


def _timeline(record: Record) -> str:
    start = record.incident.started_at
    key_events = [event for event in record.events if event.is_key]
    return _render(
        "timeline",
        {"lines": timeline_lines(key_events, start, full=False), "started": utc(start)},
    )


def _evidence_line(event: Event, start: datetime) -> str:
    first_line = " ".join(event.body.strip().splitlines()[:1])
    return f"{utc(event.occurred_at)} ({offset(event.occurred_at, start)}) — {first_line}"


def _causes(record: Record) -> str:
    start = record.incident.started_at
    groups = []
    for role in ROLE_ORDER:
        causes = sorted(
            (cause for cause in record.causes if cause.role == role),
            key=lambda cause: (STATUS_ORDER.get(cause.status, 9), cause.created_at, cause.pk),
        )
        if not causes:
            continue
        items = [
            {
                "status": CauseStatus(cause.status).label,
                "category": cause.get_category_display(),
                "since": (
                    f"{utc(cause.status_changed_at)}, {offset(cause.status_changed_at, start)}"
                    if cause.status_changed_at
                    else ""
                ),
                "description": _list_item_body(cause.description),
                "evidence": [_evidence_line(event, start) for event in record.evidence.get(cause.pk, [])],
            }
            for cause in causes
        ]
        groups.append({"heading": ROLE_HEADINGS[role], "causes": items})
    return _render("causes", {"groups": groups})


def is_detection(event: Event) -> bool:
    """A detection entry or a firing alert: how the incident was noticed (recoveries are not)."""
    if event.kind not in DETECTION_KINDS:
        return False
    return not (event.kind == "alert" and RECOVERY_ALERT.match(event.body))


def _detection(record: Record) -> str:
    incident = record.incident
    start = incident.started_at
    signals = [event for event in record.events if is_detection(event)]
    return _render(
        "detection",
        {
            "detected_at": utc(incident.detected_at),
            "time_to_detect": duration(incident.time_to_detect),
            "lines": timeline_lines(signals[:MAX_DETECTION_EVENTS], start, full=True),
            "more": max(0, len(signals) - MAX_DETECTION_EVENTS),
        },
    )


def _response(record: Record) -> str:
    incident = record.incident
    milestones = [
        ("Impact began", incident.started_at, None, None),
        ("Detected", incident.detected_at, incident.time_to_detect, "Time to detect"),
        ("Acknowledged", incident.acknowledged_at, incident.time_to_acknowledge, "Time to acknowledge"),
        ("Mitigated", incident.mitigated_at, incident.time_to_mitigate, "Time to mitigate"),
        ("Resolved", incident.resolved_at, incident.time_to_resolve, "Time to resolve"),
    ]
    rows = []
    previous: datetime | None = None
    for label, moment, since_start, _ in milestones:
        step = int((moment - previous).total_seconds()) if moment and previous else None
        rows.append(
            {
                "label": label,
                "time": utc(moment) if moment else "not recorded",
                "offset": offset(moment, incident.started_at) if moment else "—",
                "since_start": duration(since_start) if moment and since_start is not None else "—",
                "step": duration(step) if step is not None else "—",
            }
        )
        if moment:
            previous = moment
    durations = [(name, duration(value)) for _, _, value, name in milestones if name and value is not None]
    return _render("response", {"rows": rows, "durations": durations})


def action_status(action: RemediationAction, today: date) -> str:
    """The status column: an open item past its due date reads `overdue (open)`."""
    if action.status not in (ActionStatus.DONE, ActionStatus.WONT_DO) and action.due_date < today:
        return f"**overdue** ({action.get_status_display()})"
    return action.get_status_display()


def action_outcome(action: RemediationAction) -> str:
    """How a closed item ended: its completion note, or why it will not be done."""
    note = " ".join(action.completion_note.split())
    if len(note) > MAX_NOTE_LENGTH:
        note = note[: MAX_NOTE_LENGTH - 1].rstrip() + "…"
    if action.status == ActionStatus.WONT_DO:
        return f"Won't do: {note}" if note else "Won't do"
    if action.status == ActionStatus.DONE:
        return note
    return ""


def _action_items(record: Record) -> str:
    today = timezone.localdate()
    rows = [
        {
            "title": table_cell(action.title),
            "kind": action.get_kind_display(),
            "priority": action.get_priority_display(),
            "owner": table_cell(display_name(action.owner)),
            "due": action.due_date.isoformat(),
            "status": action_status(action, today),
            "ticket": f"[ticket]({action.ticket_url})" if action.ticket_url else "—",
            "outcome": table_cell(action_outcome(action)),
        }
        for action in record.actions
    ]
    return _render("action_items", {"rows": rows})


def _appendix(record: Record) -> str:
    return _render(
        "appendix",
        {
            "lines": timeline_lines(record.events, record.incident.started_at, full=True, sources=True),
            "count": len(record.events),
        },
    )


BUILDERS: dict[str, Callable[[Record], str]] = {
    "header": _header,
    "timeline": _timeline,
    "causes": _causes,
    "detection": _detection,
    "response": _response,
    "action_items": _action_items,
    "appendix": _appendix,
}


def seeded_body(key: str, incident: Incident, prompt: str) -> str:
    """An authored section that starts from the incident's own text, or its prompt."""
    text = getattr(incident, SEEDED_FROM_INCIDENT[key], "") or ""
    return text.strip() or prompt


def build_bodies(record: Record, keys: Iterable[str], prompts: dict[str, str]) -> dict[str, str]:
    """Return {key: Markdown} for the given generated and seeded section keys."""
    bodies: dict[str, str] = {}
    for key in keys:
        if key in BUILDERS:
            bodies[key] = BUILDERS[key](record)
        elif key in SEEDED_FROM_INCIDENT:
            bodies[key] = seeded_body(key, record.incident, prompts.get(key, ""))
    return bodies


def add_business_days(start: date, days: int) -> date:
    """Return the date `days` working days (Monday to Friday) after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def due_date_for(incident: Incident) -> date | None:
    """Five business days after the incident was resolved (UTC date); None while unresolved."""
    if incident.resolved_at is None:
        return None
    return add_business_days(incident.resolved_at.astimezone(UTC).date(), 5)
