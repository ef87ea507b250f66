"""One adapter per tracker kind, behind the interface in `base`."""

from __future__ import annotations

from ..models import TrackerConnection, TrackerKind
from .base import Adapter, RemoteTicket, TicketDraft, TrackerError, WebhookEvent, WebhookRefused
from .github import GitHubAdapter
from .gitlab import GitLabAdapter
from .jira import JiraAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    TrackerKind.GITHUB: GitHubAdapter,
    TrackerKind.GITLAB: GitLabAdapter,
    TrackerKind.JIRA: JiraAdapter,
}


def adapter_for(tracker: TrackerConnection) -> Adapter:
    return ADAPTERS[tracker.kind](tracker)


__all__ = [
    "Adapter",
    "RemoteTicket",
    "TicketDraft",
    "TrackerError",
    "WebhookEvent",
    "WebhookRefused",
    "adapter_for",
]
