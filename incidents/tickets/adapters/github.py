"""GitHub Issues (REST API 2022-11-28): create, get, list; `issues` webhooks signed with
`X-Hub-Signature-256`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlparse

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

# https://github.com/owner/repo/issues/12 (any host: GitHub Enterprise too)
ISSUE_PATH = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/?$")
SHORT = re.compile(r"^(?:(?P<repo>[\w.-]+/[\w.-]+))?#?(?P<number>\d+)$")
# Recent issues scanned for a marker: enough for any retry of a job (it runs within minutes).
FIND_PAGE = 50


class GitHubAdapter(Adapter):
    def auth_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tracker.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    @property
    def repo(self) -> str:
        return self.tracker.project.strip().strip("/")

    def _issues(self) -> str:
        owner, _, name = self.repo.partition("/")
        return f"/repos/{quote(owner)}/{quote(name)}/issues"

    def _ticket(self, issue: Mapping[str, Any]) -> RemoteTicket:
        try:
            number = str(int(issue["number"]))
            return RemoteTicket(
                number=number,
                external_id=str(issue.get("id", "")),
                key=f"{self.repo}#{number}",
                url=str(issue["html_url"]),
                closed=issue["state"] == "closed",
                status=str(issue["state"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise TrackerError(f"GitHub answered an issue without {error}.", retryable=False) from error

    def create(self, draft: TicketDraft) -> RemoteTicket:
        body = draft.text.strip()
        body = (body + "\n\n---\n") if body else ""
        body += (
            f"Action item from incident [{draft.link_text}]({draft.link_url}) in Hindsight.\n\n{draft.facts}"
        )
        body += f"\n\n<!-- {draft.marker} -->"
        payload: dict[str, Any] = {"title": draft.title, "body": body}
        if draft.labels:
            payload["labels"] = draft.labels
        return self._ticket(self.call("POST", self._issues(), payload))

    def find_by_marker(self, marker: str) -> RemoteTicket | None:
        issues = self.call(
            "GET", f"{self._issues()}?state=all&sort=created&direction=desc&per_page={FIND_PAGE}"
        )
        for issue in issues if isinstance(issues, list) else []:
            if isinstance(issue, Mapping) and marker in str(issue.get("body") or ""):
                return self._ticket(issue)
        return None

    def get(self, number: str) -> RemoteTicket:
        return self._ticket(self.call("GET", f"{self._issues()}/{quote(number)}"))

    def parse_reference(self, text: str) -> str:
        text = text.strip()
        if text.startswith(("http://", "https://")):
            match = ISSUE_PATH.match(urlparse(text).path)
            if match is None:
                raise ValueError("Give the issue's address, like https://github.com/owner/repo/issues/12.")
            repo, number = match["repo"], match["number"]
        else:
            short = SHORT.match(text)
            if short is None:
                raise ValueError("Give the issue's address, owner/repo#12, or its number.")
            repo, number = short["repo"] or self.repo, short["number"]
        if repo.lower() != self.repo.lower():
            raise ValueError(f"That issue is in {repo}; this tracker is {self.repo}.")
        return number

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        signature = header(headers, "X-Hub-Signature-256")
        if not hmac_sha256_valid(body=body, secret=self.tracker.webhook_secret, signature=signature):
            raise WebhookRefused("Bad or missing X-Hub-Signature-256.", status=403)

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        return header(headers, "X-GitHub-Delivery")

    def parse_webhook(self, headers: Mapping[str, str], payload: Any) -> WebhookEvent | None:
        if header(headers, "X-GitHub-Event") != "issues":
            return None
        repo = str(need(payload, "repository", "full_name"))
        if repo.lower() != self.repo.lower():
            raise WebhookRefused(f"The issue is in {repo}; this tracker is {self.repo}.", status=400)
        number = need(payload, "issue", "number")
        state = need(payload, "issue", "state")
        if not isinstance(number, int) or state not in ("open", "closed"):
            raise WebhookRefused("issue.number must be a number and issue.state open or closed.", status=400)
        return WebhookEvent(number=str(number), closed=state == "closed", status=state)
