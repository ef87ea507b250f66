"""Reminder sweep at volume: 100,000 action items, 10,000 of them due soon or overdue, on PostgreSQL.

    .venv/bin/python bench/bench_reminders.py                  # ITEMS=100000 DUE=10000
    ITEMS=20000 DUE=2000 .venv/bin/python bench/bench_reminders.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hs_bench_reminders,
dropped and created afresh) and production settings with the in-memory email backend (the mail
server is the outside world). Prints wall time, queries and peak memory of:

1. the first sweep, as beat runs it: evaluates every rule, records the reminders (owners, and
   commanders for escalations) with their deliveries, and writes the in-app notifications; emails
   and webhooks are left to `hindsight.reminders.deliver` tasks (one per 100) on the workers;
2. those email deliveries, sent in this one process (a worker's share is one batch per task);
3. a second sweep a minute later, which finds every reminder already recorded and sends nothing;
4. the first sweep again over half the due items, to show the query count follows the batches.

Target: the first sweep under 10 s; queries proportional to batches (BATCH_SIZE rows each), not items.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hs_bench_reminders")
ITEMS = int(os.environ.get("ITEMS", "100000"))
DUE = int(os.environ.get("DUE", "10000"))
OWNERS = int(os.environ.get("OWNERS", "500"))
TARGET_SECONDS = 10.0
# A Wednesday, 10:00 UTC: working hours for owners in UTC, so nothing waits for quiet hours to end.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class QueryCounter:
    """Count queries with a cheap execute wrapper (no SQL kept in memory)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def build(items: int, due: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from incidents.models import Incident, Profile, RemediationAction

    rng = random.Random(5)
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"owner{n}", email=f"owner{n}@example.com", password=password) for n in range(OWNERS)]
    )
    # Profiles: half in UTC without quiet hours in the way at 10:00, the rest spread over Europe.
    Profile.objects.filter(user__in=users).delete()
    Profile.objects.bulk_create(
        [Profile(user=u, timezone=rng.choice(["UTC", "Europe/London", "Europe/Berlin"])) for u in users]
    )
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                number=n + 1,
                reference=f"INC-{n + 1}",
                title=f"Incident {n}",
                severity=rng.choice(["SEV2", "SEV3", "SEV4"]),
                status=rng.choice(["resolved", "closed"]),
                commander=rng.choice(users),
                started_at=NOW - timedelta(days=90),
                detected_at=NOW - timedelta(days=90),
                resolved_at=NOW - timedelta(days=89),
            )
            for n in range(items // 10)
        ],
        batch_size=2000,
    )
    today: date = NOW.date()
    rows = []
    for n in range(items):
        if n < due:  # due within two days, due today, or overdue by up to three weeks
            due_date = today + timedelta(days=rng.randint(-21, 2))
            status = rng.choice(["open", "in_progress"])
        else:  # far in the future, or finished long ago
            if rng.random() < 0.5:
                due_date, status = today + timedelta(days=rng.randint(4, 120)), "open"
            else:
                due_date, status = today - timedelta(days=rng.randint(1, 300)), "done"
        rows.append(
            RemediationAction(
                incident=incidents[n % len(incidents)],
                title=f"Action item {n}",
                owner=users[n % len(users)],
                due_date=due_date,
                status=status,
                completion_note="shipped" if status == "done" else "",
            )
        )
    RemediationAction.objects.bulk_create(rows, batch_size=5000)


def reset_reminders() -> None:
    from incidents.reminders.models import Delivery, Notification, Reminder

    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    Reminder.objects.all().delete()


def measure(label: str, call: Any) -> tuple[float, int, Any]:
    from django.db import connection

    counter = QueryCounter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began, cpu_began = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        result = call()
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    harness.log(
        f"{label}: {seconds:6.2f} s wall ({cpu:5.2f} s CPU in this process), {counter.count:5d} queries, "
        f"peak RSS {rss_after / 1024:.0f} MiB (+{(rss_after - rss_before) / 1024:.0f} MiB)"
    )
    return seconds, counter.count, result


def describe(report: Any) -> None:
    harness.log(
        f"    {report.batches} rule batches, {sum(report.created.values())} reminders recorded "
        f"{dict(sorted(report.created.items()))}, in-app sent {report.sent.sent.get('in_app', 0)}"
    )


def main() -> int:
    load = os.getloadavg()[0]
    harness.log(
        f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times stretch when the machine is shared)"
    )
    harness.log(f"Building {ITEMS:,} action items ({DUE:,} due or overdue) in {DATABASE_URL} …")
    harness.recreate_database(DATABASE_URL)
    harness.setup_django(DATABASE_URL, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    build(ITEMS, DUE)
    harness.log(f"built in {time.perf_counter() - began:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from django.core import mail

    from incidents.reminders.delivery import deliveries_send_due
    from incidents.reminders.sweep import sweep

    first_seconds, first_queries, first = measure("first sweep ", lambda: sweep(now=NOW, external="skip"))
    describe(first)
    mail.outbox = []
    email_seconds, _, emails = measure(
        "emails      ", lambda: deliveries_send_due(now=NOW, channels=["email"])
    )
    sent = emails.sent.get("email", 0)
    harness.log(
        f"    {sent} emails rendered (text + HTML) and handed to the backend, {sent / email_seconds:.0f}/s"
    )
    _, _, second = measure("second sweep", lambda: sweep(now=NOW + timedelta(minutes=1), external="skip"))
    describe(second)

    # Half the due items: queries should roughly halve with the batches, not stay per item.
    from incidents.models import RemediationAction

    reset_reminders()
    keep = list(
        RemediationAction.objects.filter(
            status__in=["open", "in_progress"], due_date__lte=NOW.date() + timedelta(days=2)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    RemediationAction.objects.filter(pk__in=keep[len(keep) // 2 :]).update(status="done", completion_note="x")
    _, half_queries, half = measure("half due    ", lambda: sweep(now=NOW, external="skip"))
    describe(half)

    recorded = sum(first.created.values())
    half_recorded = sum(half.created.values())
    harness.log(
        f"queries per 1,000 reminders: {1000 * first_queries / max(recorded, 1):.1f} (all due), "
        f"{1000 * half_queries / max(half_recorded, 1):.1f} (half due)"
    )
    ok = first_seconds < TARGET_SECONDS
    harness.log(f"target: first sweep under {TARGET_SECONDS:.0f} s → {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
