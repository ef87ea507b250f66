"""Insights over years of history: time and query count of compute_insights and the status page.

Builds a throwaway test database (SQLite by default, or DATABASE_URL's server with a test_ prefix),
fills it with INCIDENTS incidents spread over five years with causes and action items, and prints
the figures. Run: .venv/bin/python bench/bench_insights.py  (INCIDENTS=20000 to go bigger)
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

INCIDENTS = int(os.environ.get("INCIDENTS", "10000"))
PROFILE = os.environ.get("PROFILE")


def build() -> tuple[object, object]:
    from incidents.models import Cause, Incident, RemediationAction, Service

    rng = random.Random(7)
    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "a@example.com", "x")
    viewer = User.objects.create_user("bench-viewer", "v@example.com", "x")
    services = [Service.objects.create(name=f"svc-{i}") for i in range(20)]
    start = datetime(2021, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds()
    incidents = []
    for n in range(INCIDENTS):
        started = start + timedelta(seconds=rng.random() * span)
        detect = started + timedelta(minutes=rng.expovariate(1 / 10))
        incidents.append(
            Incident(
                number=n + 1, reference=f"INC-{n + 1}", title=f"Incident {n}",
                severity=rng.choice(["SEV1", "SEV2", "SEV3", "SEV4"]),
                status="closed", private=rng.random() < 0.1, started_at=started, detected_at=detect,
                acknowledged_at=(
                    detect + timedelta(minutes=rng.expovariate(1 / 5)) if rng.random() < 0.9 else None
                ),
                mitigated_at=detect + timedelta(minutes=30 + rng.expovariate(1 / 60)),
                resolved_at=detect + timedelta(minutes=120 + rng.expovariate(1 / 240)),
            )
        )  # fmt: skip
    Incident.objects.bulk_create(incidents, batch_size=1000)
    through = Incident.services.through
    through.objects.bulk_create(
        [through(incident_id=i.pk, service_id=rng.choice(services).pk) for i in incidents], batch_size=2000
    )
    categories = ["capacity", "software", "change", "dependency", "network", "data"]
    Cause.objects.bulk_create(
        [Cause(incident=i, category=rng.choice(categories), role="trigger", status="confirmed",
               description="x") for i in incidents],
        batch_size=2000,
    )  # fmt: skip
    RemediationAction.objects.bulk_create(
        [RemediationAction(
            incident=i, title="Add alert", kind=rng.choice(["prevent", "mitigate", "repair"]),
            owner=admin if rng.random() < 0.5 else viewer, due_date=i.started_at.date() + timedelta(days=28),
            status="done" if rng.random() < 0.7 else "open",
            completed_at=i.started_at + timedelta(days=rng.randint(1, 60)),
        ) for i in incidents for _ in range(2)],
        batch_size=2000,
    )  # fmt: skip
    return admin, viewer


def timed(label: str, call: Callable[[], object]) -> None:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        call()
        elapsed = time.perf_counter() - began
    print(f"{label:<44} {elapsed * 1000:8.0f} ms  {len(queries):3d} queries")


def main() -> None:
    from incidents.insights.metrics import compute_insights
    from incidents.insights.status import status_page

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        began = time.perf_counter()
        admin, viewer = build()
        print(f"built {INCIDENTS} incidents, {INCIDENTS} causes, {2 * INCIDENTS} action items "
              f"in {time.perf_counter() - began:.1f} s on {connection.vendor}")  # fmt: skip
        compute_insights(user=admin)  # warm up: imports, template loading
        status_page(RequestFactory().get("/status/"))
        timed("compute_insights, admin, five years", lambda: compute_insights(user=admin))
        timed("compute_insights, viewer (private hidden)", lambda: compute_insights(user=viewer))
        request = RequestFactory().get("/status/")
        timed("status page", lambda: status_page(request))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
