"""The demo's centrepiece: the chat assistant's SEV1 outage (after the reports in shared/seeds).

Told as a responder team would have recorded it: early guesses logged as suspected causes, two of
them ruled out later, the response steps as timeline entries, public status updates, and the
prevention work as action items (some done, some still open and now overdue).
"""

from __future__ import annotations

from datetime import datetime

from incidents.choices import (
    ActionKind,
    ActionPriority,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.demo.clock import DemoClock
from incidents.demo.story import Story
from incidents.models import Incident
from timeline.choices import EventKind

TITLE = "Chat assistant unavailable for most users"


def tell(*, clock: DemoClock, start: datetime, users: dict) -> Incident:
    s = Story(clock=clock, start=start, users=users)
    detection = "Alert: chat-api 5xx rate 38% for 5 minutes (threshold 5%). Paging on-call."
    s.declare(
        10,
        "jonas",
        title=TITLE,
        severity=Severity.SEV1,
        detected=7,
        services=["chat-api", "web-frontend", "api-gateway", "inference-cluster"],
        summary=(
            "For about three hours most users could not use the chat assistant: conversations failed "
            "to load and new messages returned errors. Access was restored step by step from 15:40 UTC "
            "and fully at 17:10 UTC."
        ),
        impact=(
            "- Most users worldwide saw *Something went wrong* when opening or sending a message.\n"
            "- Businesses using the assistant for customer service had no answers for the duration.\n"
            "- API customers received `503` for about 62% of requests at the worst point.\n"
            "- No data was lost; conversations started before the outage were intact afterwards."
        ),
        tags=["outage", "capacity", "customer-facing"],
    )
    alert = s.event(7, "jonas", EventKind.DETECTION, detection, key=True)
    s.note(
        11,
        "jonas",
        "web-frontend shows *Something went wrong* for most users. Sign-in works; loading or sending a "
        "message fails. Support queue filling up fast.",
    )
    s.change(13, "jonas", commander="maya", acknowledged_at=s.t(13))
    s.event(
        14,
        "maya",
        EventKind.DECISION,
        "Maya is incident commander. Jonas on chat-api, Priya on capacity, Sam on comms.",
    )
    s.update(
        16,
        "sam",
        "We are investigating reports that the chat assistant is unavailable for many users. "
        "We will post an update within 30 minutes.",
        public=True,
    )
    surge = s.note(
        19,
        "priya",
        "Traffic is **3.2× the usual Thursday peak** since 13:55 UTC, right after the voice-mode "
        "announcement. Request queue on api-gateway at its limit.",
        key=True,
    )
    capacity = s.cause(
        21,
        "priya",
        CauseCategory.CAPACITY,
        "A traffic surge (3.2× peak) overwhelmed chat-api and the inference cluster.",
        role=CauseRole.TRIGGER,
        evidence=[surge],
    )
    crash = s.note(
        25,
        "jonas",
        "chat-api pods are restarting in a loop: `OOMKilled`, and the session-store connection pool is "
        "exhausted (2,000/2,000). Restarted pods take the full load at once and fall over again.",
        key=True,
    )
    software = s.cause(
        27,
        "jonas",
        CauseCategory.SOFTWARE,
        "A software glitch in chat-api's session handling: connections are not released when a request "
        "times out, so memory grows until the pod is killed.",
        role=CauseRole.ROOT_CAUSE,
        evidence=[alert, crash],
    )
    packet_loss = s.note(
        30,
        "maya",
        "Reports of timeouts between api-gateway and one availability zone. Asked the network team to "
        "check for packet loss.",
    )
    network = s.cause(
        31,
        "maya",
        CauseCategory.NETWORK,
        "Network problem between api-gateway and one availability zone (bandwidth or packet loss).",
        evidence=[packet_loss],
    )
    hardware = s.cause(
        33,
        "priya",
        CauseCategory.HARDWARE,
        "Hardware failure on inference nodes (several nodes stopped answering health checks).",
    )
    s.event(
        38,
        "jonas",
        EventKind.ACTION,
        "Identifying the root cause: heap dumps and logs from three crashed pods show ~1,900 open "
        "session-store connections each, all from requests that had timed out.",
    )
    s.change(43, "maya", status=Status.IDENTIFIED)
    s.update(
        45,
        "maya",
        "Identified: connection leak in chat-api on request timeout, amplified by the traffic surge. "
        "Plan: emergency config fix, scale up, then deploy the code fix.",
    )
    s.event(
        48,
        "jonas",
        EventKind.ACTION,
        "Emergency fix: request timeout cut from 60 s to 15 s and the session-store pool raised to "
        "4,000, applied as a configuration change.",
        key=True,
    )
    s.event(
        55,
        "priya",
        EventKind.ACTION,
        "Scaling up: chat-api from 40 to 120 pods; inference-cluster node pool +30%.",
        key=True,
    )
    s.event(
        60,
        "maya",
        EventKind.DECISION,
        "Shed load: web-frontend queues free-tier requests behind a *high demand* banner instead of "
        "failing them.",
    )
    s.update(
        62,
        "sam",
        "We have identified the cause and are applying a fix. Some users may still see errors or slow "
        "responses while capacity is added.",
        public=True,
    )
    no_loss = s.note(
        70,
        "maya",
        "Network team: no packet loss, zone links healthy throughout. The timeouts were chat-api "
        "itself, not the network.",
    )
    s.cause_change(71, "maya", network, status=CauseStatus.RULED_OUT, evidence=[packet_loss.pk, no_loss.pk])
    healthy = s.note(
        76,
        "priya",
        "Inference nodes: no host failures in the window. The failed health checks were pods being "
        "OOM-killed, not hardware.",
    )
    s.cause_change(77, "priya", hardware, status=CauseStatus.RULED_OUT, evidence=[healthy.pk])
    s.note(86, "jonas", "Error rate down to 2%; p95 latency 1.8 s and falling.")
    s.change(98, "maya", status=Status.MONITORING)
    s.update(
        100,
        "sam",
        "A fix has been applied and the chat assistant is recovering. We are monitoring closely.",
        public=True,
    )
    s.event(
        148,
        "jonas",
        EventKind.ACTION,
        "Deploying chat-api 4.18.2 (connections closed on timeout): canary 10%, then 100% at 16:45.",
        key=True,
    )
    s.note(183, "jonas", "Error rate at baseline (0.1%) for 60 minutes. Free-tier queue removed.")
    s.change(188, "maya", status=Status.RESOLVED)
    s.update(
        190,
        "sam",
        "Access to the chat assistant has been fully restored. A postmortem will follow; thank you for "
        "your patience.",
        public=True,
    )
    s.event(192, "maya", EventKind.MILESTONE, "All clear. Postmortem review booked for Monday.")

    # Follow-up work, written over the next days.
    day = 24 * 60
    plan = s.action(
        day + 60,
        "maya",
        "Capacity plan for 3× peak traffic on chat-api and the inference cluster",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P1,
        owner="priya",
        description="Model peak demand for launches and announcements; agree headroom targets.",
        causes=[capacity],
    )
    autoscale = s.action(
        day + 65,
        "maya",
        "Autoscale chat-api on request-queue depth, not CPU",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P1,
        owner="jonas",
        causes=[capacity],
    )
    failover = s.action(
        day + 70,
        "maya",
        "Redundancy: fail chat-api over to a second region automatically",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P2,
        owner="responder",
        description="Active-active in two regions so a failure of one part does not take the service down.",
    )
    alerting = s.action(
        day + 75,
        "maya",
        "Alert on chat-api 5xx above 2% and on pod restart loops",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P1,
        owner="maya",
    )
    load_test = s.action(
        day + 80,
        "maya",
        "Load-test every chat-api release at 3× peak before rollout",
        kind=ActionKind.PROCESS,
        priority=ActionPriority.P2,
        owner="jonas",
        causes=[software],
    )
    regression = s.action(
        day + 85,
        "jonas",
        "Regression test: connections are released when a request times out",
        kind=ActionKind.REPAIR,
        priority=ActionPriority.P2,
        owner="jonas",
        causes=[software],
    )
    s.action(
        day + 90,
        "maya",
        "Runbook: first public status update within 10 minutes of a SEV1",
        kind=ActionKind.PROCESS,
        priority=ActionPriority.P3,
        owner="maya",
    )
    s.action_done(2 * day, "maya", alerting, "Alert rules merged and tested by a synthetic 5xx burst.")
    s.action_done(3 * day, "jonas", regression, "Test added to chat-api CI; it fails on 4.18.1.")
    s.action_progress(4 * day, "jonas", autoscale)
    s.action_progress(6 * day, "priya", plan)
    _ = (failover, load_test)
    return s.record
