"""Opsgenie: alerts and incidents with their timelines and notes, and postmortems, as exported JSON.

One JSON file (or a folder of them) with any of:
- `"alerts"`: alert objects as `GET /v2/alerts/{id}` returns them (`data`), each with its `logs`
  (`GET /v2/alerts/{id}/logs`) and `notes` (`GET /v2/alerts/{id}/notes`);
- `"incidents"`: incident objects as `GET /v1/incidents/{id}` returns them, each with its
  `timeline` entries (`{id, group, type, eventTime, hidden, actor, description}`) and `notes`;
- `"postmortems"`: postmortem reports `{incidentId, title, sections: [{title, content}]}`, whose
  sections land in the incident's postmortem as authored text (Summary, Impact, What went well,
  What went wrong, Where we got lucky, Lessons learned; any other section is kept under Lessons
  with its own heading).

Priority P1→SEV1, P2→SEV2, P3→SEV3, P4/P5→SEV4; open → investigating, resolved/closed → resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from incidents.importers.base import Importer, ImportFileError, Parsed
from incidents.importers.common import first_line, need_dict, need_list, obj
from incidents.importers.records import (
    EntryRecord,
    PersonRef,
    RecordError,
    SectionRecord,
    SourceRecord,
    parse_time,
    text,
)
from timeline.choices import EventKind

PRIORITY_SEVERITY = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}
STATUS = {"open": "investigating", "resolved": "resolved", "closed": "resolved"}
SECTION_KEYS = {
    "summary": "summary",
    "overview": "summary",
    "impact": "impact",
    "what went well": "went_well",
    "what went wrong": "went_wrong",
    "what didn't go well": "went_wrong",
    "what did not go well": "went_wrong",
    "where we got lucky": "got_lucky",
    "lessons learned": "lessons",
    "lessons": "lessons",
}


def _unwrap(item: Any) -> Any:
    """Accept an object as the API wraps it (`{"data": {...}}`) or bare."""
    if isinstance(item, dict) and isinstance(item.get("data"), dict) and "id" not in item:
        return {**item["data"], **{key: value for key, value in item.items() if key != "data"}}
    return item


def _person(name: Any) -> PersonRef | None:
    value = text(name).strip()
    if not value or value.lower() in ("system", "opsgenie"):
        return None
    return PersonRef(
        external_id=value, email=value if "@" in value else "", name="" if "@" in value else value
    )


def _timeline_kind(kind: str) -> str:
    name = kind.lower()
    if name.endswith("created"):
        return EventKind.DETECTION
    if name.endswith(("resolved", "closed", "reopened")):
        return EventKind.STATUS_CHANGE
    if "priority" in name:
        return EventKind.SEVERITY_CHANGE
    if "responder" in name or "assign" in name or "owner" in name:
        return EventKind.ROLE_CHANGE
    if "statuspage" in name or "stakeholder" in name or "communication" in name:
        return EventKind.COMMUNICATION
    if "alert" in name:
        return EventKind.ALERT
    return EventKind.NOTE


def _log_kind(log: str) -> str:
    lowered = log.lower()
    if "acknowledged" in lowered:
        return EventKind.ACTION
    if "closed" in lowered:
        return EventKind.STATUS_CHANGE
    if "created" in lowered:
        return EventKind.ALERT
    if "notified" in lowered or "sent" in lowered:
        return EventKind.COMMUNICATION
    return EventKind.NOTE


class OpsgenieImporter(Importer):
    source = "opsgenie"
    label = "Opsgenie (alerts, incidents with timelines and notes, postmortems)"

    def records_from_file(self, file: Path) -> Iterator[Parsed]:
        data = self.load_json(file)
        if not isinstance(data, dict) or not any(
            isinstance(data.get(key), list) for key in ("alerts", "incidents")
        ):
            raise ImportFileError(f'{file.name} has no "alerts" or "incidents" list.')
        postmortems: dict[str, Any] = {}
        for raw in data.get("postmortems") or []:
            postmortem = _unwrap(raw)
            if isinstance(postmortem, dict) and postmortem.get("incidentId"):
                postmortems[text(postmortem["incidentId"])] = postmortem
        for index, raw in enumerate(data.get("alerts") or []):
            alert = _unwrap(raw)
            label = (
                f"opsgenie alert {alert.get('tinyId') or alert.get('id')}"
                if isinstance(alert, dict)
                else f"opsgenie alert #{index + 1}"
            )
            try:
                yield self.alert(alert, label)
            except RecordError as error:
                yield error
        seen: set[str] = set()
        for index, raw in enumerate(data.get("incidents") or []):
            incident = _unwrap(raw)
            label = (
                f"opsgenie incident {incident.get('tinyId') or incident.get('id')}"
                if isinstance(incident, dict)
                else f"opsgenie incident #{index + 1}"
            )
            incident_id = text(incident.get("id")) if isinstance(incident, dict) else ""
            seen.add(incident_id)
            try:
                yield self.incident(incident, postmortems.get(incident_id), label)
            except RecordError as error:
                yield error
        for incident_id in postmortems.keys() - seen:
            yield RecordError(
                record=f"opsgenie postmortem of {incident_id}",
                field="incidentId",
                message="No incident with this id is in the file.",
            )

    def _common(self, item: dict[str, Any], label: str) -> dict[str, Any]:
        title = text(item.get("message")).strip()
        if not title:
            raise RecordError(record=label, field="message", message="It has no message (title).")
        priority = text(item.get("priority") or "P3").upper()
        severity = PRIORITY_SEVERITY.get(priority)
        if severity is None:
            raise RecordError(record=label, field="priority", message=f"{priority!r} is not P1–P5.")
        status = STATUS.get(text(item.get("status")).lower())
        if status is None:
            raise RecordError(
                record=label,
                field="status",
                message=f"{item.get('status')!r} is not open, resolved or closed.",
            )
        tags = [
            first_line(text(tag), 50).lower()
            for tag in need_list(item.get("tags"), record=label, field="tags")
        ]
        return {"title": first_line(title), "severity": severity, "status": status, "tags": tags[:20]}

    def _notes(self, item: dict[str, Any], label: str, prefix: str) -> list[EntryRecord]:
        entries = []
        for position, raw in enumerate(need_list(item.get("notes"), record=label, field="notes")):
            note = need_dict(raw, record=label, field=f"notes[{position}]")
            when = parse_time(
                note.get("createdAt"), record=label, field=f"notes[{position}].createdAt", required=True
            )
            assert when is not None
            entries.append(
                EntryRecord(
                    external_id=f"{prefix}:note:{note.get('offset') or note.get('id') or position}",
                    occurred_at=when,
                    body=text(note.get("note") or note.get("content")) or "(empty note)",
                    author=_person(note.get("owner")),
                )
            )
        return entries

    def alert(self, item: Any, label: str) -> SourceRecord:
        alert = need_dict(item, record=label, field="alert")
        alert_id = text(alert.get("id"))
        if not alert_id:
            raise RecordError(record=label, field="id", message="The alert has no id.")
        common = self._common(alert, label)
        created = parse_time(alert.get("createdAt"), record=label, field="createdAt", required=True)
        assert created is not None
        report = obj(alert.get("report"))
        acknowledged = self._after(created, report.get("ackTime"), label, "report.ackTime")
        closed = self._after(created, report.get("closeTime"), label, "report.closeTime")
        if common["status"] == "resolved" and closed is None:
            closed = parse_time(alert.get("updatedAt"), record=label, field="updatedAt")
        entries: list[EntryRecord] = []
        for position, raw in enumerate(need_list(alert.get("logs"), record=label, field="logs")):
            log = need_dict(raw, record=label, field=f"logs[{position}]")
            when = parse_time(
                log.get("createdAt"), record=label, field=f"logs[{position}].createdAt", required=True
            )
            assert when is not None
            body = text(log.get("log")).strip() or "(empty log)"
            entries.append(
                EntryRecord(
                    external_id=f"alert:{alert_id}:log:{log.get('offset') or position}",
                    occurred_at=when,
                    body=body,
                    kind=_log_kind(body),
                    author=_person(log.get("owner")),
                    is_key=_log_kind(body) in (EventKind.ACTION, EventKind.STATUS_CHANGE, EventKind.ALERT),
                )
            )
        entries += self._notes(alert, label, f"alert:{alert_id}")
        people = [
            person
            for person in (_person(report.get("acknowledgedBy")), _person(report.get("closedBy")))
            if person
        ]
        return SourceRecord(
            source=self.source,
            external_id=f"alert:{alert_id}",
            summary=text(alert.get("description")),
            commander=_person(alert.get("owner")) or (people[0] if people else None),
            participants=people,
            started_at=created,
            detected_at=created,
            acknowledged_at=acknowledged,
            resolved_at=closed if common["status"] == "resolved" else None,
            entries=entries,
            **common,
        )

    def _after(self, start: datetime, millis: Any, label: str, field: str) -> datetime | None:
        if millis in (None, ""):
            return None
        try:
            return start + timedelta(milliseconds=int(millis))
        except (TypeError, ValueError) as error:
            raise RecordError(
                record=label, field=field, message=f"{millis!r} is not milliseconds."
            ) from error

    def incident(self, item: Any, postmortem: Any, label: str) -> SourceRecord:
        incident = need_dict(item, record=label, field="incident")
        incident_id = text(incident.get("id"))
        if not incident_id:
            raise RecordError(record=label, field="id", message="The incident has no id.")
        common = self._common(incident, label)
        created = parse_time(incident.get("createdAt"), record=label, field="createdAt", required=True)
        started = (
            parse_time(incident.get("impactStartDate"), record=label, field="impactStartDate") or created
        )
        ended = parse_time(incident.get("impactEndDate"), record=label, field="impactEndDate")
        timeline = incident.get("timeline")
        if isinstance(timeline, dict):
            timeline = timeline.get("entries")
        entries: list[EntryRecord] = []
        people: list[PersonRef] = []
        for position, raw in enumerate(need_list(timeline, record=label, field="timeline")):
            entry = need_dict(raw, record=label, field=f"timeline[{position}]")
            if entry.get("hidden"):
                continue
            when = parse_time(
                entry.get("eventTime"), record=label, field=f"timeline[{position}].eventTime", required=True
            )
            assert when is not None
            kind_name = text(entry.get("type"))
            description = obj(entry.get("description"))
            actor = obj(entry.get("actor"))
            author = _person(actor.get("name")) if actor.get("type", "user") == "user" else None
            if author is not None and author not in people:
                people.append(author)
            if (
                kind_name.lower().endswith(("resolved", "closed"))
                and ended is None
                and common["status"] == "resolved"
            ):
                ended = when
            entries.append(
                EntryRecord(
                    external_id=f"incident:{incident_id}:{entry.get('id') or position}",
                    occurred_at=when,
                    body=text(description.get("name")).strip() or kind_name or "(empty entry)",
                    kind=_timeline_kind(kind_name),
                    author=author,
                    is_key=_timeline_kind(kind_name) in (EventKind.DETECTION, EventKind.STATUS_CHANGE),
                )
            )
        entries += self._notes(incident, label, f"incident:{incident_id}")
        for responder in need_list(incident.get("responders"), record=label, field="responders"):
            if isinstance(responder, dict) and responder.get("type") == "user":
                person = _person(responder.get("username") or responder.get("name") or responder.get("id"))
                if person is not None and person not in people:
                    people.append(person)
        services = [
            text(service.get("name") if isinstance(service, dict) else service)
            for service in need_list(incident.get("impactedServices"), record=label, field="impactedServices")
        ]
        return SourceRecord(
            source=self.source,
            external_id=f"incident:{incident_id}",
            summary=text(incident.get("description")),
            services=[name for name in services if name],
            commander=people[0] if people else None,
            participants=people,
            started_at=started,
            detected_at=created if created and started and created >= started else started,
            resolved_at=ended if common["status"] == "resolved" else None,
            entries=entries,
            sections=self._sections(postmortem, label),
            **common,
        )

    def _sections(self, postmortem: Any, label: str) -> list[SectionRecord]:
        if postmortem is None:
            return []
        bodies: dict[str, list[str]] = {}
        for position, raw in enumerate(
            need_list(postmortem.get("sections"), record=label, field="postmortem.sections")
        ):
            section = need_dict(raw, record=label, field=f"postmortem.sections[{position}]")
            title = text(section.get("title")).strip()
            content = text(section.get("content")).strip()
            if not content:
                continue
            key = SECTION_KEYS.get(title.lower())
            if key is None:
                bodies.setdefault("lessons", []).append(f"## {title or 'Notes'}\n\n{content}")
            else:
                bodies.setdefault(key, []).append(content)
        return [SectionRecord(key=key, body="\n\n".join(parts)) for key, parts in bodies.items()]
