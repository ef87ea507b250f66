"""The incidents of the six months before the outage: every severity, status and kind of ending."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidents.choices import (
    ActionKind,
    ActionPriority,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.demo.story import DAY, Story, Teller
from timeline.choices import EventKind


def password_reset_emails(s: Story) -> None:
    s.declare(
        25,
        "priya",
        title="Password reset emails delayed by up to 3 hours",
        severity=Severity.SEV2,
        detected=20,
        services=["notifications", "auth-service"],
        summary="Reset and sign-up emails were queued at the email provider for up to three hours.",
        impact="Users who forgot their password could not sign in until the email arrived.",
    )
    first = s.event(
        20, "priya", EventKind.DETECTION, "Support: five tickets about missing reset emails in 10 minutes."
    )
    s.change(28, "priya", acknowledged_at=s.t(28))
    throttled = s.note(
        40,
        "priya",
        "Provider dashboard shows our account throttled at 50 messages/min since 09:10.",
        key=True,
    )
    cause = s.cause(
        42,
        "priya",
        CauseCategory.DEPENDENCY,
        "The email provider throttled our account after a marketing send used the same sender.",
        role=CauseRole.TRIGGER,
        status=CauseStatus.CONFIRMED,
        evidence=[first, throttled],
    )
    s.change(45, "priya", status=Status.IDENTIFIED)
    s.event(
        70,
        "priya",
        EventKind.ACTION,
        "Moved transactional mail to the dedicated sender; queue draining.",
        key=True,
    )
    s.change(75, "priya", status=Status.MONITORING)
    s.change(190, "priya", status=Status.RESOLVED)
    split = s.action(
        DAY,
        "priya",
        "Separate transactional and marketing email senders",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P1,
        owner="priya",
        causes=[cause],
    )
    s.action_done(
        6 * DAY, "priya", split, "Transactional mail uses its own sender and quota since release 2.31."
    )
    alert = s.action(
        DAY + 5,
        "priya",
        "Alert when the email queue is older than 10 minutes",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P2,
        owner="responder",
    )
    s.action_done(12 * DAY, "responder", alert, "Queue-age alert live; fired correctly in a drill.")


def stale_search(s: Story) -> None:
    s.declare(
        15,
        "jonas",
        title="Search returns week-old results after index rebuild",
        severity=Severity.SEV3,
        detected=10,
        services=["search-api"],
        summary=(
            "A rebuild pointed the search alias at an old snapshot. Searching worked but missed new content."
        ),
    )
    s.event(
        10,
        "jonas",
        EventKind.DETECTION,
        "Customer report: conversations from today do not show up in search.",
    )
    s.change(20, "jonas", acknowledged_at=s.t(20))
    deploy = s.note(
        35, "jonas", "The 02:00 rebuild job swapped the alias to the snapshot from last Tuesday.", key=True
    )
    cause = s.cause(
        37,
        "jonas",
        CauseCategory.CHANGE,
        "A change to the rebuild job's snapshot selection picked the oldest snapshot, not the newest.",
        role=CauseRole.ROOT_CAUSE,
        status=CauseStatus.CONFIRMED,
        evidence=[deploy],
    )
    s.change(38, "jonas", status=Status.IDENTIFIED)
    s.event(50, "jonas", EventKind.ACTION, "Alias pointed back at the current index.", key=True)
    s.change(52, "jonas", status=Status.MONITORING)
    s.change(120, "jonas", status=Status.RESOLVED)
    check = s.action(
        DAY,
        "jonas",
        "Rebuild job refuses to swap to an index older than the live one",
        kind=ActionKind.REPAIR,
        priority=ActionPriority.P2,
        owner="jonas",
        causes=[cause],
    )
    s.action_done(9 * DAY, "jonas", check, "Guard added; the job now fails loudly instead.")
    rewrite = s.action(
        DAY + 5,
        "jonas",
        "Rewrite the rebuild job in the new pipeline framework",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P3,
        owner="jonas",
    )
    s.action_wont_do(
        20 * DAY, "jonas", rewrite, "The guard covers the failure; the rewrite is not worth it on its own."
    )


def database_failover(s: Story) -> None:
    s.declare(
        6,
        "maya",
        title="Database failover left chat-api read-only",
        severity=Severity.SEV1,
        detected=4,
        services=["chat-api", "session-store"],
        summary="After a primary database host failed, chat-api kept writing to the old primary's address.",
        impact="For 52 minutes nobody could start a conversation or send a message; reading history worked.",
    )
    alert = s.event(
        4, "maya", EventKind.ALERT, "Alert: chat-api write errors `read-only transaction` 100%.", key=True
    )
    s.change(8, "maya", acknowledged_at=s.t(8))
    s.update(10, "sam", "Sending messages is failing for all users. We are investigating.", public=True)
    host = s.note(
        15, "priya", "The primary database host failed its disk; the replica was promoted at 03:12.", key=True
    )
    hardware = s.cause(
        17,
        "priya",
        CauseCategory.HARDWARE,
        "Disk failure on the primary database host.",
        role=CauseRole.TRIGGER,
        status=CauseStatus.CONFIRMED,
        evidence=[host],
    )
    stale = s.note(
        24,
        "maya",
        "chat-api's connection pool still points at the old primary (DNS cached for 1 h).",
        key=True,
    )
    data = s.cause(
        26,
        "maya",
        CauseCategory.DATA,
        "chat-api caches the database address and never re-resolves it after a failover.",
        role=CauseRole.ROOT_CAUSE,
        status=CauseStatus.CONFIRMED,
        evidence=[alert, stale],
    )
    s.change(27, "maya", status=Status.IDENTIFIED)
    s.event(
        40, "jonas", EventKind.ACTION, "Rolling restart of chat-api to pick up the new primary.", key=True
    )
    s.change(56, "maya", status=Status.MONITORING)
    s.update(58, "sam", "Sending messages works again. We are monitoring.", public=True)
    s.change(100, "maya", status=Status.RESOLVED)
    s.update(102, "sam", "This incident is resolved. Sorry for the disruption.", public=True)
    pool = s.action(
        DAY,
        "maya",
        "Re-resolve the database address on connection errors",
        kind=ActionKind.REPAIR,
        priority=ActionPriority.P1,
        owner="jonas",
        causes=[data],
    )
    s.action_done(8 * DAY, "jonas", pool, "Driver setting changed and covered by a failover test.")
    s.action(
        DAY + 10,
        "maya",
        "Quarterly failover drill for the session store and primary database",
        kind=ActionKind.PROCESS,
        priority=ActionPriority.P2,
        owner="responder",
        causes=[hardware],
    )
    s.action(
        DAY + 15,
        "maya",
        "Disk health monitoring on database hosts",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P2,
        owner="priya",
        causes=[hardware],
    )


def export_twice(s: Story) -> None:
    s.declare(
        30,
        "sam",
        title="Nightly billing export ran twice",
        severity=Severity.SEV4,
        detected=25,
        services=["billing-api"],
        summary="The export ran twice after a scheduler restart; finance received duplicate files.",
        impact="No customer impact. Finance had to discard one file.",
    )
    s.note(25, "sam", "Finance asked why two export files arrived at 01:00.")
    cause = s.cause(
        40,
        "sam",
        CauseCategory.SOFTWARE,
        "The export is not idempotent: a restarted scheduler runs it again for the same day.",
        role=CauseRole.ROOT_CAUSE,
        status=CauseStatus.CONFIRMED,
    )
    s.change(60, "sam", status=Status.RESOLVED)
    fix = s.action(
        DAY,
        "sam",
        "Make the billing export idempotent per day",
        kind=ActionKind.REPAIR,
        priority=ActionPriority.P3,
        owner="sam",
        causes=[cause],
    )
    s.action_done(15 * DAY, "sam", fix, "Export records its day; a second run is a no-op.")


def webhook_certificates(s: Story) -> None:
    s.declare(
        12,
        "responder",
        title="Billing webhooks rejected after certificate rotation",
        severity=Severity.SEV2,
        detected=9,
        services=["billing-api", "api-gateway"],
        summary=(
            "Payment confirmations were rejected for 2 hours because the gateway served an "
            "incomplete certificate chain."
        ),
        impact="Upgrades and renewals stayed pending; no payment was lost (the provider retried).",
    )
    s.event(9, "responder", EventKind.ALERT, "Alert: payment-provider webhook failures 100% for 5 minutes.")
    s.change(12, "responder", acknowledged_at=s.t(12))
    chain = s.note(
        40,
        "responder",
        "`openssl s_client` shows the intermediate certificate missing since the 10:00 rotation.",
        key=True,
    )
    change = s.cause(
        42,
        "responder",
        CauseCategory.CHANGE,
        "The certificate rotation deployed the leaf certificate without the intermediate.",
        role=CauseRole.TRIGGER,
        status=CauseStatus.CONFIRMED,
        evidence=[chain],
    )
    process = s.cause(
        45,
        "responder",
        CauseCategory.PROCESS,
        "Certificate rotation is a manual checklist with no validation step.",
        role=CauseRole.CONTRIBUTING,
        status=CauseStatus.CONFIRMED,
    )
    s.change(46, "responder", status=Status.IDENTIFIED)
    s.event(70, "responder", EventKind.ACTION, "Full chain deployed; provider retries succeeding.", key=True)
    s.change(72, "responder", status=Status.MONITORING)
    s.change(130, "responder", status=Status.RESOLVED)
    automate = s.action(
        DAY,
        "responder",
        "Automate certificate rotation with chain validation",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P2,
        owner="responder",
        causes=[change, process],
    )
    s.action_progress(10 * DAY, "responder", automate)
    s.action(
        DAY + 5,
        "responder",
        "Alert 14 days before any certificate expires or changes chain",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P3,
        owner="sam",
    )


def apac_latency(s: Story) -> None:
    s.declare(
        20,
        "priya",
        title="Slow page loads in Asia-Pacific",
        severity=Severity.SEV3,
        detected=15,
        services=["web-frontend", "cdn"],
        summary="A CDN routing change sent Asia-Pacific traffic to a European edge.",
        impact="Page loads took 4–6 s instead of 1 s for users in Asia-Pacific; everything worked.",
    )
    s.event(15, "priya", EventKind.DETECTION, "Real-user monitoring: p75 load time in APAC at 5.2 s.")
    route = s.note(45, "priya", "Traceroutes from Singapore end at the Frankfurt edge.", key=True)
    s.cause(
        47,
        "priya",
        CauseCategory.NETWORK,
        "The CDN provider's routing change moved APAC traffic to Europe.",
        role=CauseRole.TRIGGER,
        status=CauseStatus.CONFIRMED,
        evidence=[route],
    )
    s.cause(
        48,
        "priya",
        CauseCategory.DEPENDENCY,
        "We depend on a single CDN provider with no fallback.",
        role=CauseRole.CONTRIBUTING,
        status=CauseStatus.SUSPECTED,
    )
    s.change(50, "priya", status=Status.IDENTIFIED)
    s.change(180, "priya", status=Status.MONITORING)
    s.change(300, "priya", status=Status.RESOLVED)
    s.action(
        DAY,
        "priya",
        "Evaluate a second CDN provider for APAC",
        kind=ActionKind.INVESTIGATE,
        priority=ActionPriority.P3,
        owner="priya",
    )


def leaked_keys(s: Story) -> None:
    s.declare(
        30,
        "priya",
        title="API keys written to debug logs",
        severity=Severity.SEV2,
        detected=25,
        services=["api-gateway"],
        summary=(
            "Debug logging on one gateway node wrote request headers, including API keys, to the log store."
        ),
        impact="Keys of 212 customers were readable by staff with log access for 26 hours. No misuse found.",
        private=True,
        tags=["security"],
    )
    s.add_participant(31, "priya", "admin")
    found = s.note(
        25,
        "priya",
        "Log search shows `Authorization` headers in gateway debug logs since yesterday 10:00.",
        key=True,
    )
    s.cause(
        35,
        "priya",
        CauseCategory.SECURITY,
        "Debug logging left on after a troubleshooting session logged full request headers.",
        role=CauseRole.ROOT_CAUSE,
        status=CauseStatus.CONFIRMED,
        evidence=[found],
    )
    s.change(36, "priya", status=Status.IDENTIFIED)
    s.event(50, "priya", EventKind.ACTION, "Debug logging off; affected log segments purged.", key=True)
    s.event(
        120, "admin", EventKind.ACTION, "Affected customers' keys rotated and customers notified.", key=True
    )
    s.change(125, "priya", status=Status.RESOLVED)
    redact = s.action(
        DAY,
        "priya",
        "Redact credentials in the gateway's log formatter, whatever the log level",
        kind=ActionKind.PREVENT,
        priority=ActionPriority.P1,
        owner="priya",
    )
    s.action_done(5 * DAY, "priya", redact, "Formatter redacts Authorization and Cookie headers; test added.")


def large_uploads(s: Story) -> None:
    s.declare(
        10,
        "sam",
        title="File uploads over 20 MB fail",
        severity=Severity.SEV3,
        detected=5,
        services=["file-uploads", "api-gateway"],
        summary="A new gateway body-size limit rejected uploads above 20 MB.",
        impact="Users could not attach large files; smaller files worked.",
    )
    s.event(5, "sam", EventKind.DETECTION, "Support: uploads of large PDFs fail with `413`.")
    limit = s.note(20, "sam", "Gateway config from yesterday's release sets `max_body_size 20m`.", key=True)
    s.cause(
        22,
        "sam",
        CauseCategory.CHANGE,
        "Gateway release lowered the request body limit from 100 MB to 20 MB.",
        role=CauseRole.TRIGGER,
        status=CauseStatus.CONFIRMED,
        evidence=[limit],
    )
    s.change(23, "sam", status=Status.IDENTIFIED)
    s.change(40, "sam", status=Status.MONITORING)
    s.change(90, "sam", status=Status.RESOLVED)
    s.action(
        DAY,
        "sam",
        "Contract test for the upload size limit in the gateway pipeline",
        kind=ActionKind.DETECT,
        priority=ActionPriority.P2,
        owner="responder",
    )


def stories(today: datetime) -> list[tuple[str, datetime, Teller]]:
    """Return (title, start, teller) for the incidents other than the outage, oldest first."""

    def days_ago(days: int, hour: int, minute: int) -> datetime:
        return (today - timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)

    return [
        ("Password reset emails delayed by up to 3 hours", days_ago(172, 9, 10), password_reset_emails),
        ("Search returns week-old results after index rebuild", days_ago(158, 7, 40), stale_search),
        ("Database failover left chat-api read-only", days_ago(141, 3, 8), database_failover),
        ("Nightly billing export ran twice", days_ago(124, 1, 5), export_twice),
        ("Billing webhooks rejected after certificate rotation", days_ago(103, 10, 2), webhook_certificates),
        ("Slow page loads in Asia-Pacific", days_ago(88, 2, 30), apac_latency),
        ("API keys written to debug logs", days_ago(71, 11, 45), leaked_keys),
        ("File uploads over 20 MB fail", days_ago(57, 15, 20), large_uploads),
    ]
