"""PagerDuty: incidents with their log entries, as the REST API v2 returns them.

Accepted, in one JSON file or a folder of them:
- `{"incidents": [...]}` (GET /incidents), each incident optionally carrying its own
  `log_entries` (GET /incidents/{id}/log_entries) and `notes` (GET /incidents/{id}/notes);
- and/or a top-level `"log_entries": [...]` (GET /log_entries), matched to incidents by `incident.id`.

Mapping: `priority.summary` P1→SEV1, P2→SEV2, P3→SEV3, P4/P5→SEV4 (no priority: urgency high→SEV2,
low→SEV3); the first assignee (else the first acknowledger) is the commander and every assignee,
acknowledger and acting user a participant; triggered/acknowledged → investigating, resolved →
resolved; each log entry and note becomes an `import` entry at its original time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from incidents.importers.base import Importer, ImportFileError, Parsed
from incidents.importers.common import first_line, need_dict, need_list, obj
from incidents.importers.records import EntryRecord, PersonRef, RecordError, SourceRecord, parse_time, text
from timeline.choices import EventKind

PRIORITY_SEVERITY = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}
URGENCY_SEVERITY = {"high": "SEV2", "low": "SEV3"}
STATUS = {"triggered": "investigating", "acknowledged": "investigating", "resolved": "resolved"}

LOG_ENTRY_KIND = {
    "trigger_log_entry": EventKind.ALERT,
    "acknowledge_log_entry": EventKind.ACTION,
    "unacknowledge_log_entry": EventKind.ACTION,
    "annotate_log_entry": EventKind.NOTE,
    "assign_log_entry": EventKind.ROLE_CHANGE,
    "delegate_log_entry": EventKind.ROLE_CHANGE,
    "escalate_log_entry": EventKind.COMMUNICATION,
    "notify_log_entry": EventKind.COMMUNICATION,
    "responder_request_log_entry": EventKind.COMMUNICATION,
    "status_update_log_entry": EventKind.COMMUNICATION,
    "priority_change_log_entry": EventKind.SEVERITY_CHANGE,
    "urgency_change_log_entry": EventKind.SEVERITY_CHANGE,
    "resolve_log_entry": EventKind.STATUS_CHANGE,
    "snooze_log_entry": EventKind.ACTION,
}
KEY_LOG_ENTRIES = {"trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry"}


def _person(reference: Any) -> PersonRef | None:
    """A user reference (`{"id", "type": "user_reference", "summary", "email"?}`) as a person."""
    if not isinstance(reference, dict):
        return None
    if reference.get("type") not in ("user_reference", "user"):
        return None
    return PersonRef(
        external_id=text(reference.get("id")),
        name=text(reference.get("summary") or reference.get("name")),
        email=text(reference.get("email")),
    )


class PagerDutyImporter(Importer):
    source = "pagerduty"
    label = "PagerDuty (REST API v2 incidents + log entries)"

    def records_from_file(self, file: Path) -> Iterator[Parsed]:
        data = self.load_json(file)
        if not isinstance(data, dict) or not isinstance(data.get("incidents"), list):
            raise ImportFileError(f'{file.name} has no "incidents" list (GET /incidents).')
        shared: dict[str, list[Any]] = {}
        for entry in data.get("log_entries") or []:
            incident_id = text((entry.get("incident") or {}).get("id")) if isinstance(entry, dict) else ""
            shared.setdefault(incident_id, []).append(entry)
        for index, item in enumerate(data["incidents"]):
            label = f"pagerduty incident #{index + 1}"
            if isinstance(item, dict) and item.get("id"):
                label = f"pagerduty {item.get('id')}"
            try:
                yield self.record(
                    item, shared.get(text(item.get("id")) if isinstance(item, dict) else "", []), label
                )
            except RecordError as error:
                yield error

    def record(self, item: Any, extra_entries: list[Any], label: str) -> SourceRecord:
        incident = need_dict(item, record=label, field="incident")
        external_id = text(incident.get("id"))
        if not external_id:
            raise RecordError(record=label, field="id", message="The incident has no id.")
        title = text(incident.get("title") or incident.get("summary")).strip()
        if not title:
            raise RecordError(record=label, field="title", message="The incident has no title.")
        priority = incident.get("priority") or {}
        priority_name = (
            text(priority.get("summary") or priority.get("name")).upper()
            if isinstance(priority, dict)
            else ""
        )
        severity = PRIORITY_SEVERITY.get(priority_name) or URGENCY_SEVERITY.get(
            text(incident.get("urgency")), "SEV3"
        )
        status = STATUS.get(text(incident.get("status")))
        if status is None:
            raise RecordError(
                record=label,
                field="status",
                message=f"{incident.get('status')!r} is not triggered, acknowledged or resolved.",
            )
        created = parse_time(incident.get("created_at"), record=label, field="created_at", required=True)

        assignments = need_list(incident.get("assignments"), record=label, field="assignments")
        acknowledgements = need_list(incident.get("acknowledgements"), record=label, field="acknowledgements")
        people: list[PersonRef] = []
        for assignment in assignments:
            person = _person((assignment or {}).get("assignee"))
            if person is not None and person not in people:
                people.append(person)
        for acknowledgement in acknowledgements:
            person = _person((acknowledgement or {}).get("acknowledger"))
            if person is not None and person not in people:
                people.append(person)

        log_entries = (
            need_list(incident.get("log_entries"), record=label, field="log_entries") + extra_entries
        )
        entries: list[EntryRecord] = []
        acknowledged_at = None
        resolved_at = parse_time(incident.get("resolved_at"), record=label, field="resolved_at")
        for position, raw in enumerate(log_entries):
            field = f"log_entries[{position}]"
            entry = need_dict(raw, record=label, field=field)
            kind_name = text(entry.get("type"))
            when = parse_time(
                entry.get("created_at"), record=label, field=f"{field}.created_at", required=True
            )
            assert when is not None
            agent = _person(entry.get("agent"))
            if agent is not None and agent not in people:
                people.append(agent)
            channel = obj(entry.get("channel"))
            body = text(entry.get("summary")).strip()
            note_text = (
                text(channel.get("summary") or channel.get("details"))
                if kind_name == "annotate_log_entry"
                else ""
            )
            details = obj(entry.get("event_details"))
            description = text(details.get("description"))
            body = (
                "\n\n".join(part for part in (body, note_text.strip(), description.strip()) if part)
                or kind_name
            )
            if kind_name == "acknowledge_log_entry" and (acknowledged_at is None or when < acknowledged_at):
                acknowledged_at = when
            if kind_name == "resolve_log_entry" and resolved_at is None:
                resolved_at = when
            entries.append(
                EntryRecord(
                    external_id=text(entry.get("id")) or f"{external_id}-log-{position}",
                    occurred_at=when,
                    body=body,
                    kind=LOG_ENTRY_KIND.get(kind_name, EventKind.NOTE),
                    author=agent,
                    is_key=kind_name in KEY_LOG_ENTRIES,
                )
            )
        for position, raw in enumerate(need_list(incident.get("notes"), record=label, field="notes")):
            note = need_dict(raw, record=label, field=f"notes[{position}]")
            when = parse_time(
                note.get("created_at"), record=label, field=f"notes[{position}].created_at", required=True
            )
            assert when is not None
            author = _person(note.get("user"))
            entries.append(
                EntryRecord(
                    external_id=f"note-{note.get('id') or position}",
                    occurred_at=when,
                    body=text(note.get("content")) or "(empty note)",
                    kind=EventKind.NOTE,
                    author=author,
                )
            )
        for acknowledgement in acknowledgements:
            at = parse_time((acknowledgement or {}).get("at"), record=label, field="acknowledgements.at")
            if at is not None and (acknowledged_at is None or at < acknowledged_at):
                acknowledged_at = at
        if status == "resolved" and resolved_at is None:
            resolved_at = parse_time(
                incident.get("last_status_change_at"), record=label, field="last_status_change_at"
            )
        if status != "resolved":
            resolved_at = None
        commander = people[0] if people else None
        incident_body = obj(incident.get("body"))
        service = obj(incident.get("service"))
        teams = [text(team.get("summary")) for team in incident.get("teams") or [] if isinstance(team, dict)]
        summary = text(incident_body.get("details") or incident.get("description")).strip()
        if summary == title:
            summary = ""
        return SourceRecord(
            source=self.source,
            external_id=external_id,
            title=first_line(title),
            severity=severity,
            status=status,
            summary=summary,
            services=[text(service.get("summary"))] if service.get("summary") else [],
            tags=[first_line(team, 50).lower() for team in teams if team][:20],
            commander=commander,
            participants=people,
            started_at=created,
            detected_at=created,
            acknowledged_at=acknowledged_at,
            resolved_at=resolved_at,
            url=text(incident.get("html_url")),
            entries=entries,
        )
