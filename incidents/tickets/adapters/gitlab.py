"""GitLab Issues (REST API v4): new issue, single issue, search; issue webhooks carrying
`X-Gitlab-Token`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from incidents.signatures import same_secret

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

# https://gitlab.example.com/group/sub/project/-/issues/12 (or /-/work_items/12)
ISSUE_PATH = re.compile(r"^/(?P<project>.+?)/-/(?:issues|work_items)/(?P<number>\d+)/?$")
SHORT = re.compile(r"^(?:(?P<project>[\w./-]+))?#?(?P<number>\d+)$")
ISSUE_EVENTS = {"Issue Hook", "Confidential Issue Hook"}


class GitLabAdapter(Adapter):
    def auth_headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.tracker.token}

    @property
    def project(self) -> str:
        return self.tracker.project.strip().strip("/")

    def _issues(self) -> str:
        return f"/api/v4/projects/{quote(self.project, safe='')}/issues"

    def _ticket(self, issue: Mapping[str, Any]) -> RemoteTicket:
        try:
            number = str(int(issue["iid"]))
            references = issue.get("references") or {}
            return RemoteTicket(
                number=number,
                external_id=str(issue.get("id", "")),
                key=str(references.get("full") or f"{self.project}#{number}"),
                url=str(issue["web_url"]),
                closed=issue["state"] == "closed",
                status=str(issue["state"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise TrackerError(f"GitLab answered an issue without {error}.", retryable=False) from error

    def create(self, draft: TicketDraft) -> RemoteTicket:
        description = draft.text.strip()
        description = (description + "\n\n---\n") if description else ""
        description += (
            f"Action item from incident [{draft.link_text}]({draft.link_url}) in Hindsight.\n\n{draft.facts}"
            f"\n\n<!-- {draft.marker} -->"
        )
        payload: dict[str, Any] = {"title": draft.title, "description": description}
        if draft.labels:
            payload["labels"] = ",".join(draft.labels)
        return self._ticket(self.call("POST", self._issues(), payload))

    def find_by_marker(self, marker: str) -> RemoteTicket | None:
        query = urlencode({"search": marker, "in": "description", "scope": "all"})
        issues = self.call("GET", f"{self._issues()}?{query}")
        for issue in issues if isinstance(issues, list) else []:
            if isinstance(issue, Mapping) and marker in str(issue.get("description") or ""):
                return self._ticket(issue)
        return None

    def get(self, number: str) -> RemoteTicket:
        return self._ticket(self.call("GET", f"{self._issues()}/{quote(number)}"))

    def _same_project(self, path: str) -> bool:
        # A numeric project ID cannot be compared with a path: the fetch that follows checks it.
        return self.project.isdigit() or path.lower() == self.project.lower()

    def parse_reference(self, text: str) -> str:
        text = text.strip()
        if text.startswith(("http://", "https://")):
            parsed = urlparse(text)
            if parsed.netloc.lower() != urlparse(self.base_url).netloc.lower():
                raise ValueError(f"That address is not on {urlparse(self.base_url).netloc}.")
            match = ISSUE_PATH.match(parsed.path)
            if match is None:
                raise ValueError(
                    "Give the issue's address, like https://gitlab.com/group/project/-/issues/12."
                )
            project, number = match["project"], match["number"]
        else:
            short = SHORT.match(text)
            if short is None:
                raise ValueError("Give the issue's address, group/project#12, or its number.")
            project, number = short["project"] or self.project, short["number"]
        if not self._same_project(project):
            raise ValueError(f"That issue is in {project}; this tracker is {self.project}.")
        return number

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        if not same_secret(header(headers, "X-Gitlab-Token"), self.tracker.webhook_secret):
            raise WebhookRefused("Bad or missing X-Gitlab-Token.", status=403)

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        # Idempotency-Key stays the same across GitLab's retries of one delivery (GitLab 17.4+);
        # X-Gitlab-Event-UUID is what older versions send.
        return header(headers, "Idempotency-Key") or header(headers, "X-Gitlab-Event-UUID")

    def parse_webhook(self, headers: Mapping[str, str], payload: Any) -> WebhookEvent | None:
        if header(headers, "X-Gitlab-Event") not in ISSUE_EVENTS:
            return None
        if need(payload, "object_kind") not in ("issue", "work_item"):
            raise WebhookRefused("An Issue Hook must have object_kind issue.", status=400)
        project = need(payload, "project")
        path = str(project.get("path_with_namespace") or "")
        if not (path.lower() == self.project.lower() or str(project.get("id")) == self.project):
            raise WebhookRefused(
                f"The issue is in {path or 'another project'}; this tracker is {self.project}.", status=400
            )
        number = need(payload, "object_attributes", "iid")
        state = need(payload, "object_attributes", "state")
        if not isinstance(number, int) or state not in ("opened", "closed", "locked"):
            raise WebhookRefused(
                "object_attributes.iid must be a number and its state opened or closed.", status=400
            )
        return WebhookEvent(number=str(number), closed=state == "closed", status=state)
