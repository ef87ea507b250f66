"""The one interface every tracker adapter implements, and the HTTP call they share.

An adapter speaks one tracker's REST API (create, get, find by marker), reads that tracker's
references (a URL or a key) and its webhooks (checks the signature, reads the issue's state).
It holds no database state: services decide what a result means for an action item.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from incidents.conf import hindsight_setting

from ..models import TrackerConnection

# Worth another try later: the tracker is down, overloaded or rate limiting us.
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class TrackerError(Exception):
    """A call to the tracker that did not work; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class WebhookRefused(Exception):
    """A webhook refused before anything changed: `status` is the HTTP answer (400, 403)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TicketDraft:
    """What a new ticket says, before a tracker's own format."""

    title: str
    text: str  # the action item's description (Markdown, may be empty)
    link_text: str  # "INC-12: Search latency"
    link_url: str  # the action item on the incident page (SITE_URL)
    facts: str  # "Priority P1 · due 2026-12-20 · owner olivia"
    labels: list[str] = field(default_factory=list)
    marker: str = ""


@dataclass(frozen=True)
class RemoteTicket:
    number: str  # GitHub number, GitLab iid, Jira key: what webhooks and references name
    external_id: str
    key: str  # owner/repo#12, group/project#12, OPS-12
    url: str  # the ticket's page for people
    closed: bool
    status: str  # the tracker's own name for its state


@dataclass(frozen=True)
class WebhookEvent:
    """A ticket's state as a webhook told it (None from `parse_webhook`: an event we do not use)."""

    number: str
    closed: bool
    status: str


def header(headers: Mapping[str, str], name: str) -> str:
    return str(headers.get(name, "") or "").strip()


def need(payload: Any, *path: str) -> Any:
    """Return payload[path…], or refuse the webhook with a 400 naming the missing field."""
    value = payload
    for index, key in enumerate(path):
        if not isinstance(value, Mapping) or value.get(key) in (None, ""):
            raise WebhookRefused(f"The payload has no {'.'.join(path[: index + 1])}.", status=400)
        value = value[key]
    return value


class Adapter(ABC):
    """One tracker's API. Subclasses set `kind` and implement the abstract methods."""

    def __init__(self, tracker: TrackerConnection) -> None:
        self.tracker = tracker
        self.base_url = tracker.base_url.rstrip("/")

    # ---------------------------------------------------------------- REST API

    @abstractmethod
    def create(self, draft: TicketDraft) -> RemoteTicket:
        """Open a ticket from the draft (its description carries `draft.marker`)."""

    @abstractmethod
    def find_by_marker(self, marker: str) -> RemoteTicket | None:
        """Return the ticket whose description carries `marker`, if one was created already."""

    @abstractmethod
    def get(self, number: str) -> RemoteTicket:
        """Fetch one ticket of the connection's project (TrackerError 404 when there is none)."""

    @abstractmethod
    def parse_reference(self, text: str) -> str:
        """Return the ticket number a URL or key names, or raise ValueError saying what is wrong."""

    # ---------------------------------------------------------------- webhooks

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRefused (403) unless the request carries the connection's secret."""

    @abstractmethod
    def delivery_id(self, headers: Mapping[str, str]) -> str:
        """Return the id that stays the same when this delivery is sent again ("" when none)."""

    @abstractmethod
    def parse_webhook(self, headers: Mapping[str, str], payload: Any) -> WebhookEvent | None:
        """Read the ticket's state from a verified payload; None for events not about issues."""

    # ---------------------------------------------------------------- HTTP

    def auth_headers(self) -> dict[str, str]:
        return {}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send one JSON request to the tracker and return the decoded JSON answer."""
        url = path if path.startswith("http") else self.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 — admin-set http(s) URL
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "Hindsight ticket sync")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in self.auth_headers().items():
            request.add_header(name, value)
        timeout = float(hindsight_setting("TICKETS_TIMEOUT"))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode(errors="replace")
            raise TrackerError(
                f"{self.tracker.kind_name} answered {error.code}: {detail}",
                retryable=error.code in RETRYABLE_STATUSES,
                status=error.code,
            ) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise TrackerError(
                f"Could not reach {self.tracker.kind_name}: {reason}", retryable=True
            ) from error
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as error:
            raise TrackerError(f"{self.tracker.kind_name} did not answer JSON.", retryable=True) from error
