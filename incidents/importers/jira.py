"""Jira: postmortem issues from a REST API v3 search result (`GET /rest/api/3/search?expand=names`)
or Jira's JSON export of the same shape (`{"issues": [{"key", "self", "fields": {...}}], "names"?}`).

An issue whose type is a postmortem (`Postmortem`, `Post-incident review`, `Incident`, …) becomes an
incident: `summary` → title, `description` → summary (Atlassian Document Format read as text), the
field named "Impact" → impact, "Root cause" → a confirmed root cause, "Severity" (else the
priority) → severity, "Incident start"/"Incident end" (else created/resolution date) → times, a
security level → private. Each linked issue (`issuelinks`) becomes an action item with its ticket
link; when the linked issue is in the same file its assignee and due date come along.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from incidents.importers.base import Importer, ImportFileError, Parsed
from incidents.importers.common import first_line, need_dict, need_list, obj
from incidents.importers.records import (
    ActionRecord,
    CauseRecord,
    PersonRef,
    RecordError,
    SourceRecord,
    parse_date,
    parse_time,
    text,
)

POSTMORTEM_TYPES = {"postmortem", "post-mortem", "post mortem", "post-incident review", "pir", "incident"}
PRIORITY_SEVERITY = {"highest": "SEV1", "high": "SEV2", "medium": "SEV3", "low": "SEV4", "lowest": "SEV4"}
PRIORITY_ACTION = {"highest": "P1", "high": "P1", "medium": "P2", "low": "P3", "lowest": "P3"}
ACTION_STATUS = {"new": "open", "indeterminate": "in_progress", "done": "done"}


def adf_text(node: Any) -> str:
    """Atlassian Document Format (or plain text) as Markdown-ish text, as authored."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(adf_text(child) for child in node)
    if not isinstance(node, dict):
        return text(node)
    kind = node.get("type")
    if kind == "text":
        return text(node.get("text"))
    if kind == "hardBreak":
        return "\n"
    inner = adf_text(node.get("content"))
    if kind == "heading":
        level = int((node.get("attrs") or {}).get("level") or 2)
        return "#" * min(level, 6) + " " + inner + "\n\n"
    if kind == "listItem":
        return "- " + inner.strip() + "\n"
    if kind in ("bulletList", "orderedList"):
        return inner + "\n"
    if kind in ("paragraph", "blockquote", "codeBlock", "panel"):
        return inner + "\n\n"
    return inner


def _person(value: Any) -> PersonRef | None:
    if not isinstance(value, dict):
        return None
    return PersonRef(
        external_id=text(value.get("accountId") or value.get("name") or value.get("key")),
        name=text(value.get("displayName")),
        email=text(value.get("emailAddress")),
    )


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return text(value.get("value") or value.get("name"))
    return text(value)


class JiraImporter(Importer):
    source = "jira"
    label = "Jira (REST v3 search result or JSON export of postmortem issues)"

    def records_from_file(self, file: Path) -> Iterator[Parsed]:
        data = self.load_json(file)
        if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
            raise ImportFileError(f'{file.name} has no "issues" list (a Jira search result).')
        names = obj(data.get("names"))
        by_key = {
            text(issue.get("key")): issue
            for issue in data["issues"]
            if isinstance(issue, dict) and issue.get("key")
        }
        for index, issue in enumerate(data["issues"]):
            label = (
                f"jira {issue.get('key')}"
                if isinstance(issue, dict) and issue.get("key")
                else f"jira issue #{index + 1}"
            )
            fields = issue.get("fields") if isinstance(issue, dict) else None
            issue_type = _name((fields or {}).get("issuetype")).lower() if isinstance(fields, dict) else ""
            if isinstance(fields, dict) and issue_type not in POSTMORTEM_TYPES:
                continue  # an action-item issue: read through the links of its postmortem
            try:
                yield self.record(issue, names, by_key, label)
            except RecordError as error:
                yield error

    def record(self, issue: Any, names: dict[str, Any], by_key: dict[str, Any], label: str) -> SourceRecord:
        issue = need_dict(issue, record=label, field="issue")
        key = text(issue.get("key"))
        if not key:
            raise RecordError(record=label, field="key", message="The issue has no key.")
        fields = need_dict(issue.get("fields"), record=label, field="fields")
        named = {
            text(names.get(field_id, field_id)).strip().lower(): value for field_id, value in fields.items()
        }

        def custom(name: str) -> Any:
            return named.get(name)

        title = text(fields.get("summary")).strip()
        if not title:
            raise RecordError(record=label, field="fields.summary", message="The issue has no summary.")
        severity_name = _name(custom("severity")).strip().lower().replace(" ", "").replace("-", "")
        if severity_name:
            severity = (
                {"sev1": "SEV1", "sev2": "SEV2", "sev3": "SEV3", "sev4": "SEV4"}.get(severity_name)
                or PRIORITY_SEVERITY.get(severity_name)
                or {"critical": "SEV1", "major": "SEV2", "minor": "SEV3"}.get(severity_name)
            )
            if severity is None:
                raise RecordError(
                    record=label,
                    field="fields.Severity",
                    message=f"{_name(custom('severity'))!r} is not a severity.",
                )
        else:
            severity = PRIORITY_SEVERITY.get(_name(fields.get("priority")).lower(), "SEV3")
        created = parse_time(fields.get("created"), record=label, field="fields.created", required=True)
        started = parse_time(custom("incident start"), record=label, field="fields.Incident start") or created
        ended = parse_time(custom("incident end"), record=label, field="fields.Incident end") or parse_time(
            fields.get("resolutiondate"), record=label, field="fields.resolutiondate"
        )
        base = ""
        parsed = urlparse(text(issue.get("self")))
        if parsed.scheme in ("http", "https") and parsed.netloc:
            base = f"{parsed.scheme}://{parsed.netloc}"
        causes = []
        root_cause = adf_text(custom("root cause")).strip()
        if root_cause:
            causes.append(
                CauseRecord(
                    external_id="root-cause",
                    category="unknown",
                    role="root_cause",
                    status="confirmed",
                    description=root_cause,
                )
            )
        actions = [
            action
            for position, link in enumerate(
                need_list(fields.get("issuelinks"), record=label, field="fields.issuelinks")
            )
            if (action := self._action(link, position, by_key, base, label)) is not None
        ]
        components = [_name(component) for component in fields.get("components") or []]
        return SourceRecord(
            source=self.source,
            external_id=key,
            title=first_line(title),
            severity=severity,
            status="resolved" if ended else "investigating",
            summary=adf_text(fields.get("description")).strip(),
            impact=adf_text(custom("impact")).strip(),
            services=[name for name in components if name],
            tags=[first_line(text(tag), 50).lower() for tag in fields.get("labels") or []][:20],
            commander=_person(fields.get("assignee")) or _person(fields.get("reporter")),
            participants=[person for person in (_person(fields.get("reporter")),) if person],
            private=bool(fields.get("security")),
            started_at=started,
            detected_at=started,
            resolved_at=ended,
            url=f"{base}/browse/{key}" if base else "",
            causes=causes,
            actions=actions,
        )

    def _action(
        self, link: Any, position: int, by_key: dict[str, Any], base: str, label: str
    ) -> ActionRecord | None:
        link = need_dict(link, record=label, field=f"fields.issuelinks[{position}]")
        linked = link.get("outwardIssue") or link.get("inwardIssue")
        if not isinstance(linked, dict) or not linked.get("key"):
            return None
        key = text(linked["key"])
        field = f"fields.issuelinks[{position}]"
        full = by_key.get(key)
        fields = dict(linked.get("fields") or {})
        if isinstance(full, dict) and isinstance(full.get("fields"), dict):
            fields.update(full["fields"])
        title = text(fields.get("summary")).strip() or key
        status = obj(fields.get("status"))
        category = text((status.get("statusCategory") or {}).get("key")) or "new"
        action_status = ACTION_STATUS.get(category, "open")
        status_name = text(status.get("name")) or category
        ticket = base + f"/browse/{key}" if base else ""
        return ActionRecord(
            external_id=key,
            title=first_line(f"{key}: {title}"),
            description=adf_text(fields.get("description")).strip(),
            priority=PRIORITY_ACTION.get(_name(fields.get("priority")).lower(), "P2"),
            owner=_person(fields.get("assignee")),
            due_date=parse_date(fields.get("duedate"), record=label, field=f"{field}.duedate"),
            status=action_status,
            ticket_url=ticket,
            completion_note=f"{status_name} in Jira ({key})." if action_status == "done" else "",
        )
