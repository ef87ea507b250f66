"""Jobs survive a broker outage: with Redis really stopped, writes succeed and their jobs wait in the
outbox; once Redis is back, the dispatcher sends them and a real worker runs each exactly once.

Starts its own redis-server on a spare port (never the shared one). Skipped when redis-server is
not installed, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections

from config.celery_app import app as celery_app
from incidents.jobs import jobs_dispatch_pending
from incidents.models import Job
from incidents.reminders.models import Notification
from incidents.services.actions import action_add
from incidents.services.declare import incident_declare
from incidents.services.incidents import incident_update
from tests.factories import UserFactory
from tests.reminders.conftest import set_profile

REDIS_SERVER = shutil.which("redis-server")
# Not a benchmark, a "did not hang" bound: before the fix each of these writes took about 6 s.
WRITE_MUST_NOT_HANG_SECONDS = 3

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _free_port(preferred: int = 6391) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port")


class RedisProcess:
    """A private, throwaway redis-server: started, stopped and started again by the test."""

    def __init__(self, port: int, directory: str) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(  # noqa: S603 — fixed arguments
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed; CI must run the broker-outage test.")
        pytest.skip("redis-server is not installed: the broker-outage test needs a real Redis to stop.")
    with tempfile.TemporaryDirectory() as directory:
        redis = RedisProcess(_free_port(), directory)
        redis.start()
        try:
            yield redis
        finally:
            redis.stop()


@pytest.fixture
def celery_on(private_redis: RedisProcess) -> Iterator[str]:
    """Point the Celery app at the private Redis for this test, then restore it untouched."""
    url = f"redis://127.0.0.1:{private_redis.port}/0"
    saved_conf = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options")}
    saved_pools = (celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = url
    # What production uses with REDIS_URL (config/settings/base.py).
    celery_app.conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    try:
        yield url
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool, celery_app.amqp._producer_pool = saved_pools
        celery_app.conf.update(saved_conf)


def _timed(call: Any) -> tuple[Any, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.mark.django_db(transaction=True)
def test_writes_succeed_with_redis_stopped_and_their_jobs_run_once_when_it_is_back(private_redis, celery_on):
    from celery.contrib.testing.worker import start_worker

    commander = UserFactory(username="olivia", role="responder")
    dana = set_profile(UserFactory(username="dana", role="responder"), start=None, end=None, weekends=False)

    private_redis.stop()
    incident, declare_seconds = _timed(
        lambda: incident_declare(actor=commander, title="Checkout down", severity="SEV1")
    )
    _, resolve_seconds = _timed(
        lambda: incident_update(incident=incident, actor=commander, data={"status": "resolved"})
    )
    action, action_seconds = _timed(
        lambda: action_add(incident=incident, actor=commander, title="Add a canary", owner=dana)
    )
    for seconds in (declare_seconds, resolve_seconds, action_seconds):
        assert seconds < WRITE_MUST_NOT_HANG_SECONDS
    jobs = list(Job.objects.order_by("created_at"))
    assert [job.name for job in jobs] == ["postmortems.generate", "reminders.action_assigned"]
    assert [(job.status, job.dispatched_at) for job in jobs] == [("queued", None)] * 2
    assert jobs_dispatch_pending() == 0  # broker still down: nothing lost, nothing sent

    private_redis.start()
    queues = ["default", "postmortems", "reminders"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=queues, shutdown_timeout=30):
        assert jobs_dispatch_pending() == 2
        # A second dispatcher run (beat is every 30 s) must not make a job run twice.
        jobs_dispatch_pending()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not Job.objects.filter(status__in=["queued", "running"]).exists():
                break
            time.sleep(0.2)
    connections.close_all()

    for job in Job.objects.all():
        assert job.status in ("succeeded", "failed"), job
        assert job.attempts == 1, job
        assert job.finished_at is not None
    assigned = Job.objects.get(name="reminders.action_assigned")
    assert assigned.status == "succeeded"
    assert list(Notification.objects.filter(recipient=dana).values_list("title", flat=True)) == [
        f"You own an action item in {incident.reference}: Add a canary"
    ]
    assert len([m for m in mail.outbox if "Add a canary" in m.subject]) == 1
    assert action.pk is not None
