"""Postmortem generation on a big incident: 10,000 timeline events, 200 causes, 200 action items.

Builds a throwaway database (SQLite by default, or DATABASE_URL's server with a test_ prefix) with
bulk_create, then times the generation job's work (first generation, an unchanged re-run, and a
re-run after one new event) and measures its peak Python memory with tracemalloc.
Targets: under 2 s and under 200 MB. Exit status 1 when a target is missed.
Run: .venv/bin/python bench/bench_postmortem.py  (EVENTS=50000 to go bigger)
"""

from __future__ import annotations

import os
import random
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

EVENTS = int(os.environ.get("EVENTS", "10000"))
CAUSES = int(os.environ.get("CAUSES", "200"))
ACTIONS = int(os.environ.get("ACTIONS", "200"))
TARGET_SECONDS = 2.0
TARGET_MB = 200.0
KINDS = ["note", "note", "note", "action", "alert", "decision", "communication", "detection", "milestone"]


def build() -> int:
    from incidents.models import Cause, Incident, RemediationAction, Service
    from timeline.models import TimelineEvent

    rng = random.Random(4)
    User = get_user_model()
    people = [User.objects.create_user(f"bench-{n}", f"b{n}@example.com", "x") for n in range(20)]
    started = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    incident = Incident.objects.create(
        number=1, reference="INC-1", title="Everything is slow", severity="SEV1", status="resolved",
        summary="Latency rose for every customer.", commander=people[0], reporter=people[0],
        started_at=started, detected_at=started + timedelta(minutes=4),
        acknowledged_at=started + timedelta(minutes=9), mitigated_at=started + timedelta(hours=30),
        resolved_at=started + timedelta(hours=60),
    )  # fmt: skip
    incident.services.set([Service.objects.create(name=f"svc-{n}") for n in range(5)])
    step = (60 * 3600) / EVENTS
    TimelineEvent.objects.bulk_create(
        [TimelineEvent(
            incident=incident, occurred_at=started + timedelta(seconds=n * step), recorded_at=started
            + timedelta(seconds=n * step + 5), kind=rng.choice(KINDS), author=rng.choice(people),
            body=f"Entry {n}: checked **shard {n % 64}**, p99 {rng.randint(200, 9000)} ms | see dashboard\n"
            f"line two of {n}", is_key=rng.random() < 0.05, source="web",
        ) for n in range(EVENTS)],
        batch_size=2000,
    )  # fmt: skip
    event_ids = list(TimelineEvent.objects.filter(incident=incident).values_list("pk", flat=True))
    causes = Cause.objects.bulk_create(
        [Cause(
            incident=incident, category=rng.choice(["capacity", "software", "change", "network"]),
            role=rng.choice(["trigger", "root_cause", "contributing"]),
            status=rng.choice(["suspected", "confirmed", "ruled_out"]), description=f"Cause {n}: a factor",
        ) for n in range(CAUSES)]
    )  # fmt: skip
    through = Cause.evidence.through
    through.objects.bulk_create(
        [through(cause_id=cause.pk, timelineevent_id=event_id)
         for cause in causes for event_id in rng.sample(event_ids, 3)],
        batch_size=2000,
    )  # fmt: skip
    RemediationAction.objects.bulk_create(
        [RemediationAction(
            incident=incident, title=f"Action {n}", kind=rng.choice(["prevent", "detect", "repair"]),
            priority=rng.choice(["P1", "P2", "P3"]), owner=rng.choice(people),
            due_date=started.date() + timedelta(days=rng.randint(7, 60)),
            ticket_url=f"https://tracker.example.com/OPS-{n}",
        ) for n in range(ACTIONS)]
    )  # fmt: skip
    return incident.pk


def run(label: str, incident_id: int) -> float:
    from incidents.postmortems.services import postmortem_generate

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = postmortem_generate(incident_id=incident_id, reason="benchmark")
        elapsed = time.perf_counter() - began
    print(f"{label:<40} {elapsed * 1000:8.0f} ms  {len(queries):3d} queries  changed={result.get('changed')}")
    return elapsed


def main() -> int:
    from incidents.postmortems.models import Postmortem
    from timeline.models import TimelineEvent

    setup_test_environment()
    # Its own database file, so a benchmark never clobbers a test run in the same checkout.
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(settings.BASE_DIR) / "bench-postmortem.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        incident_id = build()
        print(
            f"built 1 incident with {EVENTS} events, {CAUSES} causes, {ACTIONS} action items "
            f"in {time.perf_counter() - began:.1f} s on {connection.vendor}"
        )
        # Memory: one full first generation under tracemalloc (which slows it, so it is not timed).
        tracemalloc.start()
        run("first generation (tracemalloc on)", incident_id)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        Postmortem.objects.filter(incident_id=incident_id).delete()

        first = run("first generation", incident_id)
        again = run("re-run, record unchanged", incident_id)
        TimelineEvent.objects.create(
            incident_id=incident_id,
            occurred_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
            body="One more",
            is_key=True,
        )
        changed = run("re-run after one new event", incident_id)
        peak_mb = peak / 1024 / 1024
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worst = max(first, again, changed)
        print(f"peak Python memory during generation: {peak_mb:.1f} MB (process max RSS {rss_mb:.0f} MB)")
        time_ok, memory_ok = worst < TARGET_SECONDS, peak_mb < TARGET_MB
        print(f"targets: < {TARGET_SECONDS:.0f} s  -> worst {worst:.2f} s  {'ok' if time_ok else 'MISSED'}")
        print(f"         < {TARGET_MB:.0f} MB -> peak {peak_mb:.1f} MB  {'ok' if memory_ok else 'MISSED'}")
        return 0 if time_ok and memory_ok else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
