"""The worker command the README and PRODUCT.md give runs every job the app has.

A real `celery -A config worker -B` process, started exactly as documented (only its environment
points it at this test's database and broker), must generate a requested postmortem (queue
`postmortems`) and run beat's reminder sweep (queue `reminders`). Before the app declared its
queues, a worker started without `-Q` consumed only `default`: generation stayed `queued` for ever
and no reminder was ever sent.

Runs on the broker the suite uses: Redis with REDIS_URL (CI), else the embedded SQLite broker.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from incidents.models import Job
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate_request
from incidents.reminders.models import Delivery, Notification
from tests.factories import IncidentFactory, RemediationActionFactory, TimelineEventFactory, UserFactory
from tests.reminders.conftest import set_profile

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY = Path(sys.executable).with_name("celery")
# A cold start on a busy 2-core machine imports Django, connects and forks its pool children.
WAIT_SECONDS = 120


def _database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test database)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{database['NAME']}"


Worker = tuple[subprocess.Popen[bytes], Path]


def _wait_until(condition: Callable[[], bool], *, what: str, worker: Worker) -> None:
    process, log = worker
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(
                f"the worker exited ({process.returncode}) before {what}:\n{log.read_text()}"
            )
        time.sleep(0.5)
    raise AssertionError(
        f"{what} did not happen in {WAIT_SECONDS} s; the worker said:\n{log.read_text()[-6000:]}"
    )


@pytest.fixture
def documented_worker(
    transactional_db: None, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`celery -A config worker -B`, nothing more, in the project folder."""
    # Environment only: the settings the suite runs with, this test database, and (inherited)
    # REDIS_URL / PYTEST_XDIST_WORKER, which pick the same broker as this process.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        # Its own session: stopping it takes its pool children and embedded beat with it.
        process = subprocess.Popen(  # noqa: S603 — the documented command, nothing else
            [str(CELERY), "-A", "config", "worker", "-B"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        connections.close_all()


def _schedule_sweep_now() -> None:
    """Recreate the sweep's beat entry (the flush of transactional tests removes what migrations
    wrote), last run long ago, so beat sends it as soon as it starts rather than in a minute."""
    migration = importlib.import_module("incidents.reminders.migrations.0002_sweep_schedule")
    migration.schedule(django_apps, None)
    PeriodicTask.objects.filter(task="hindsight.reminders.sweep").update(
        last_run_at=timezone.now() - timedelta(minutes=10)
    )


@pytest.mark.django_db(transaction=True)
def test_the_documented_worker_generates_postmortems_and_runs_the_reminder_sweep(documented_worker):
    commander = UserFactory(username="olivia", role="responder")
    dana = set_profile(UserFactory(username="dana", role="responder"), start=None, end=None, weekends=False)
    incident = IncidentFactory(commander=commander, reporter=commander, status="resolved")
    TimelineEventFactory(incident=incident, body="Rolled back the deploy", is_key=True)
    RemediationActionFactory(
        incident=incident, owner=dana, title="Add a canary", due_date=timezone.now().date()
    )
    _schedule_sweep_now()

    with transaction.atomic():
        job = postmortem_generate_request(incident=incident, actor=commander)

    def generated() -> bool:
        job.refresh_from_db()
        return job.status in ("succeeded", "failed")

    _wait_until(generated, what="postmortem generation", worker=documented_worker)
    assert job.status == "succeeded", job.error
    timeline = Postmortem.objects.get(incident=incident).sections.get(key="timeline").body
    assert "Rolled back the deploy" in timeline

    def reminded() -> bool:
        return Notification.objects.filter(recipient=dana, rule="action_overdue").exists()

    _wait_until(reminded, what="the reminder sweep", worker=documented_worker)
    notification = Notification.objects.get(recipient=dana, rule="action_overdue")
    assert notification.title == f"Due today: Add a canary ({incident.reference})"

    # The sweep hands the email to a `hindsight.reminders.deliver` task, which the worker runs too.
    def emailed() -> bool:
        return Delivery.objects.filter(reminder__recipient=dana, channel="email", status="sent").exists()

    _wait_until(emailed, what="the reminder email", worker=documented_worker)
    assert not Job.objects.filter(status="queued").exists()
