"""The incidents since the outage, up to ones still running now, and a duplicate of the outage."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidents.choices import (
    ActionKind,
    ActionPriority,
    CauseCategory,
    CauseRole,
    Severity,
    Status,
)
from incidents.demo.story import DAY, Story, Teller
from incidents.models import Incident
from timeline.choices import EventKind


def blank_page_duplicate(s: Story, original: Incident) -> None:
    s.declare(
        0,
        "sam",
        title="Web app shows a blank page after sign-in",
        severity=Severity.SEV2,
        detected=0,
        services=["web-frontend"],
    )
    s.note(2, "sam", "Several customers on the support chat: blank page after signing in.")
    s.note(
        8,
        "maya",
        f"Same outage as {original.reference}; following up there.",
    )
    s.change(9, "maya", duplicate_of=original, status=Status.RESOLVED)


def disk_false_alarm(s: Story) -> None:
    s.declare(
        3,
        "jonas",
        title="Disk usage 95% on inference-cluster nodes",
        severity=Severity.SEV3,
        detected=0,
        services=["inference-cluster"],
    )
    s.event(0, "jonas", EventKind.ALERT, "Alert: node disk usage above 95% on 14 inference nodes.")
    s.note(
        15,
        "jonas",
        "`df` on the nodes shows 41–48%. The exporter counts the read-only model volume twice.",
        key=True,
    )
    s.change(18, "jonas", false_alarm=True, status=Status.RESOLVED)
    s.action(
        20,
        "jonas",
        "Fix the disk-usage exporter to skip read-only volumes",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P3,
        owner="jonas",
    )


def missing_history(s: Story) -> None:
    s.declare(
        40,
        "maya",
        title="Conversation history missing for some users",
        severity=Severity.SEV2,
        detected=35,
        services=["chat-api", "session-store"],
        summary="Some users see an empty history list; their conversations still exist.",
        impact="About 3% of users cannot find past conversations.",
    )
    s.event(35, "maya", EventKind.DETECTION, "Support: 40 tickets since the morning about missing history.")
    s.change(42, "maya", acknowledged_at=s.t(42))
    shards = s.note(
        90, "priya", "All affected users are on shard 7, which was rebalanced yesterday.", key=True
    )
    s.cause(
        95,
        "priya",
        CauseCategory.DATA,
        "The shard 7 rebalance left the history index pointing at moved rows.",
        role=CauseRole.ROOT_CAUSE,
        evidence=[shards],
    )
    s.change(100, "maya", status=Status.IDENTIFIED)
    s.event(
        180,
        "priya",
        EventKind.ACTION,
        "Reindexing shard 7 (ETA 6 h); history reappears per user as it goes.",
        key=True,
    )
    s.change(190, "maya", status=Status.MONITORING)
    s.update(195, "maya", "History is coming back for affected users as the reindex proceeds.", public=True)
    s.action(
        DAY,
        "maya",
        "Rebalance runbook: reindex before switching reads",
        kind=ActionKind.PROCESS,
        priority=ActionPriority.P2,
        owner="maya",
    )


def morning_slowness(s: Story) -> None:
    s.declare(
        20,
        "responder",
        title="Slow chat responses during the morning peak",
        severity=Severity.SEV3,
        detected=15,
        services=["chat-api", "inference-cluster"],
        summary="Response times double between 08:00 and 10:00 UTC on weekdays.",
        impact="Answers take 6–10 s instead of 3 s at peak; no errors.",
    )
    s.event(15, "responder", EventKind.DETECTION, "p95 latency above 8 s for 15 minutes (SLO 5 s).")
    queue = s.note(
        60, "responder", "Inference queue depth peaks at 09:10; autoscaling lags by ~12 minutes.", key=True
    )
    s.cause(
        62,
        "responder",
        CauseCategory.CAPACITY,
        "The inference cluster does not scale ahead of the morning peak.",
        role=CauseRole.TRIGGER,
        evidence=[queue],
    )
    s.change(65, "responder", status=Status.IDENTIFIED)
    s.action(
        70,
        "responder",
        "Scheduled scale-up before the weekday morning peak",
        kind=ActionKind.MITIGATE,
        priority=ActionPriority.P2,
        owner="responder",
    )


def mobile_gateway(s: Story) -> None:
    s.declare(
        6,
        "jonas",
        title="Mobile app cannot connect: api-gateway returns 502",
        severity=Severity.SEV2,
        detected=4,
        commander="jonas",
        services=["api-gateway", "mobile-gateway"],
        summary="The mobile app cannot reach the API; the web app works.",
    )
    s.event(4, "jonas", EventKind.ALERT, "Alert: mobile-gateway 502 rate 45%.")
    s.change(8, "jonas", acknowledged_at=s.t(8))
    s.update(
        12, "jonas", "The mobile app cannot connect for many users. The web app is not affected.", public=True
    )
    s.note(
        20, "jonas", "502s only from the mobile-gateway pool; the new TLS config went out 10 minutes before."
    )
    s.cause(
        22,
        "jonas",
        CauseCategory.CHANGE,
        "The new TLS configuration on mobile-gateway dropped a cipher older app versions need.",
        role=CauseRole.TRIGGER,
    )


def slow_dashboards(s: Story) -> None:
    s.declare(
        5,
        "sam",
        title="Billing dashboards load slowly",
        severity=Severity.SEV4,
        detected=0,
        services=["billing-api"],
        summary="Internal billing dashboards take 30 s to load.",
    )
    s.note(6, "sam", "Only the internal dashboards; customers unaffected. Looking at slow queries.")


def recent(now: datetime) -> list[tuple[str, datetime, Teller]]:
    """Incidents after the outage, up to ones still running now."""

    def days_ago(days: int, hour: int, minute: int) -> datetime:
        return (now - timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)

    return [
        ("Disk usage 95% on inference-cluster nodes", days_ago(24, 22, 50), disk_false_alarm),
        ("Conversation history missing for some users", days_ago(9, 8, 5), missing_history),
        ("Slow chat responses during the morning peak", days_ago(2, 8, 20), morning_slowness),
        ("Mobile app cannot connect: api-gateway returns 502", now - timedelta(minutes=50), mobile_gateway),
        ("Billing dashboards load slowly", now - timedelta(hours=3), slow_dashboards),
    ]
