"""Changes the demo's pipelines reported: deploys, flags and configuration before some incidents,
so the incident page's "Changes before this incident" card has suspects to show (and to suspect)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from incidents.models import ChangeEvent, ChangeKind
from incidents.services.changes import change_event_record

SOURCE = "demo pipeline"


class Output(Protocol):
    def write(self, text: str) -> object: ...


def _planned(now: datetime, outage_start: datetime) -> list[tuple[str, datetime, str, str, str, str, str]]:
    """(key, at, service, kind, summary, author, url) of each change."""
    mobile = now - timedelta(minutes=50)  # "Mobile app cannot connect": still running
    billing = now - timedelta(hours=3)  # "Billing dashboards load slowly": still running
    repo = "https://git.hindsight.example/platform"
    return [
        (
            "outage-autoscaler",
            outage_start - timedelta(minutes=95),
            "inference-cluster",
            ChangeKind.INFRA,
            "Autoscaler max nodes per pool raised from 40 to 48",
            "priya",
            f"{repo}/infra/-/merge_requests/812",
        ),
        (
            "outage-chat-api",
            outage_start - timedelta(minutes=38),
            "chat-api",
            ChangeKind.DEPLOY,
            "Deployed chat-api 4.18.2 (7f3c2e1) to production",
            "jonas",
            f"{repo}/chat-api/-/pipelines/48211",
        ),
        (
            "outage-voice-flag",
            outage_start - timedelta(minutes=9),
            "chat-api",
            ChangeKind.FEATURE_FLAG,
            "voice_mode enabled for 100% of users (was 5%)",
            "sam",
            "",
        ),
        (
            "mobile-deploy",
            mobile - timedelta(minutes=70),
            "api-gateway",
            ChangeKind.DEPLOY,
            "Deployed api-gateway 3.14.0 (b91d0a4) to production",
            "maya",
            f"{repo}/api-gateway/-/pipelines/50327",
        ),
        (
            "mobile-tls",
            mobile - timedelta(minutes=12),
            "mobile-gateway",
            ChangeKind.CONFIG,
            "TLS policy updated to tls-2024-modern (legacy ciphers removed)",
            "jonas",
            f"{repo}/edge-config/-/commit/4be20c9",
        ),
        (
            "billing-deploy",
            billing - timedelta(minutes=25),
            "billing-api",
            ChangeKind.DEPLOY,
            "Deployed billing-api 1.42.0 (c04f7aa): new invoice aggregation query",
            "priya",
            f"{repo}/billing-api/-/pipelines/50290",
        ),
    ]


def record_changes(*, now: datetime, outage_start: datetime, out: Output) -> int:
    """Record the demo's changes that are missing (each once); return how many were added."""
    known = set(ChangeEvent.objects.filter(source=SOURCE).values_list("external_id", flat=True))
    added = 0
    for key, at, service, kind, summary, author, url in _planned(now, outage_start):
        if f"demo:{key}" in known:
            continue
        change_event_record(
            service=service,
            summary=summary,
            kind=kind,
            at=at,
            url=url,
            author=author,
            source=SOURCE,
            external_id=f"demo:{key}",
        )
        out.write(f"  change {service}: {summary}\n")
        added += 1
    return added
