"""Jira Cloud (REST API v3): create issue, get issue, JQL search; `jira:issue_updated` webhooks
signed with `X-Hub-Signature` (admin webhooks with a secret). A ticket is closed when its status
is in the `done` status category, whatever the workflow calls the status."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

from incidents.signatures import hmac_sha256_valid

from .base import (
    Adapter,
    RemoteTicket,
    TicketDraft,
    TrackerError,
    WebhookEvent,
    WebhookRefused,
    header,
    need,
)

KEY = re.compile(r"^(?P<project>[A-Z][A-Z0-9_]*)-(?P<number>\d+)$")
DONE_CATEGORY = "done"
USED_EVENTS = {"jira:issue_updated", "jira:issue_created"}


def _text(text: str, href: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


def _paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def description_document(draft: TicketDraft) -> dict[str, Any]:
    """The draft as an Atlassian Document Format document (v3 takes no plain text or wiki markup)."""
    content: list[dict[str, Any]] = [
        _paragraph(_text(block.strip())) for block in re.split(r"\n\s*\n", draft.text) if block.strip()
    ]
    if content:
        content.append({"type": "rule"})
    content += [
        _paragraph(
            _text("Action item from incident "),
            _text(draft.link_text, draft.link_url),
            _text(" in Hindsight."),
        ),
        _paragraph(_text(draft.facts)),
        _paragraph(_text(f"Hindsight reference: {draft.marker}")),
    ]
    return {"type": "doc", "version": 1, "content": content}


class JiraAdapter(Adapter):
    def auth_headers(self) -> dict[str, str]:
        pair = f"{self.tracker.email}:{self.tracker.token}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    @property
    def project_key(self) -> str:
        return self.tracker.project.strip().upper()

    def _ticket(self, issue: Mapping[str, Any]) -> RemoteTicket:
        try:
            key = str(issue["key"])
            status = (issue.get("fields") or {}).get("status") or {}
            category = (status.get("statusCategory") or {}).get("key", "")
            return RemoteTicket(
                number=key,
                external_id=str(issue.get("id", "")),
                key=key,
                url=f"{self.base_url}/browse/{key}",
                closed=category == DONE_CATEGORY,
                status=str(status.get("name", "")),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise TrackerError(f"Jira answered an issue without {error}.", retryable=False) from error

    def create(self, draft: TicketDraft) -> RemoteTicket:
        fields: dict[str, Any] = {
            "project": {"key": self.project_key},
            "summary": draft.title,
            "description": description_document(draft),
            "issuetype": {"name": self.tracker.issue_type or "Task"},
        }
        if draft.labels:
            fields["labels"] = draft.labels
        created = self.call("POST", "/rest/api/3/issue", {"fields": fields})
        key = created.get("key") if isinstance(created, Mapping) else None
        if not key:
            raise TrackerError("Jira answered the new issue without its key.", retryable=False)
        try:
            return self.get(str(key))  # the create answer has no status
        except TrackerError:
            return RemoteTicket(
                number=str(key),
                external_id=str(created.get("id", "")),
                key=str(key),
                url=f"{self.base_url}/browse/{key}",
                closed=False,
                status="",
            )

    def find_by_marker(self, marker: str) -> RemoteTicket | None:
        jql = f'project = "{self.project_key}" AND text ~ "\\"{marker}\\""'
        found = self.call(
            "POST", "/rest/api/3/search/jql", {"jql": jql, "fields": ["status", "summary"], "maxResults": 5}
        )
        issues = found.get("issues") if isinstance(found, Mapping) else None
        for issue in issues or []:
            if isinstance(issue, Mapping):
                return self._ticket(issue)
        return None

    def get(self, number: str) -> RemoteTicket:
        return self._ticket(self.call("GET", f"/rest/api/3/issue/{quote(number)}?fields=status,summary"))

    def parse_reference(self, text: str) -> str:
        text = text.strip()
        if text.startswith(("http://", "https://")):
            parsed = urlparse(text)
            if parsed.netloc.lower() != urlparse(self.base_url).netloc.lower():
                raise ValueError(f"That address is not on {urlparse(self.base_url).netloc}.")
            selected = parse_qs(parsed.query).get("selectedIssue", [""])[0]
            text = selected or parsed.path.rstrip("/").rsplit("/", 1)[-1]
        match = KEY.match(text.upper())
        if match is None:
            raise ValueError(f"Give the issue's address or its key, like {self.project_key}-12.")
        if match["project"] != self.project_key:
            raise ValueError(f"{text.upper()} is not in project {self.project_key}.")
        return text.upper()

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        signature = header(headers, "X-Hub-Signature")
        if not hmac_sha256_valid(body=body, secret=self.tracker.webhook_secret, signature=signature):
            raise WebhookRefused("Bad or missing X-Hub-Signature.", status=403)

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        # The same for every retry of one delivery.
        return header(headers, "X-Atlassian-Webhook-Identifier")

    def parse_webhook(self, headers: Mapping[str, str], payload: Any) -> WebhookEvent | None:
        if need(payload, "webhookEvent") not in USED_EVENTS:
            return None
        key = str(need(payload, "issue", "key")).upper()
        if KEY.match(key) is None:
            raise WebhookRefused(f"issue.key {key!r} is not a Jira issue key.", status=400)
        status = need(payload, "issue", "fields", "status")
        category = need(status, "statusCategory", "key") if isinstance(status, Mapping) else None
        if not isinstance(category, str):
            raise WebhookRefused("The payload has no issue.fields.status.statusCategory.key.", status=400)
        return WebhookEvent(number=key, closed=category == DONE_CATEGORY, status=str(status.get("name", "")))
