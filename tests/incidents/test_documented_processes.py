"""The production processes, as the Procfile and the README start them, each doing its job.

`gunicorn config.wsgi`, `celery -A config worker` and `celery -A config beat` run as three separate
processes, exactly as written; only their environment points them at this test's database, broker
(Redis with REDIS_URL, as in CI) and a free port (`GUNICORN_CMD_ARGS`, gunicorn's own variable). An
operator makes a token with `python manage.py create_api_token <username>` as PRODUCT.md gives it;
over HTTP to gunicorn a responder declares an incident, writes its timeline, resolves it and asks
for the postmortem, which the worker generates; beat sends the reminder sweep, which the worker runs,
and the owner of an item due today is reminded.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from incidents.postmortems.models import Postmortem
from incidents.reminders.models import Notification
from tests.factories import UserFactory
from tests.incidents.test_documented_worker import _database_url
from tests.reminders.conftest import set_profile

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
WAIT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Processes:
    """The processes started for one test, their logs, and how to wait on them."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: list[str]) -> None:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            # Its own session: stopping it takes its children (pool, gunicorn workers) with it.
            process = subprocess.Popen(  # noqa: S603 — a documented command, nothing else
                command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process, log))

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{log.read_text()[-4000:]}" for name, _, log in self.started)

    def wait_until(self, condition: Callable[[], bool], *, what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if condition():
                return
            for name, process, _ in self.started:
                if process.poll() is not None:
                    raise AssertionError(
                        f"{name} exited ({process.returncode}) before {what}:\n{self.logs()}"
                    )
            time.sleep(0.5)
        raise AssertionError(f"{what} did not happen in {WAIT_SECONDS} s:\n{self.logs()}")

    def stop(self) -> None:
        for _, process, _ in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process, _ in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def processes(transactional_db: None, tmp_path: Path) -> Iterator[Processes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{_free_port()} --workers 2",
    }
    started = Processes(env, tmp_path)
    try:
        yield started
    finally:
        started.stop()
        connections.close_all()


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — our own server
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def up(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False


def _sweep_due_now() -> None:
    """Recreate beat's sweep entry (a transactional test's flush removed it), last run long ago, so
    beat sends it as soon as it starts rather than on its next tick."""
    migration = importlib.import_module("incidents.reminders.migrations.0002_sweep_schedule")
    migration.schedule(django_apps, None)
    PeriodicTask.objects.filter(task="hindsight.reminders.sweep").update(
        last_run_at=timezone.now() - timedelta(minutes=10)
    )


@pytest.mark.django_db(transaction=True)
def test_gunicorn_worker_and_beat_as_documented_serve_generate_and_remind(processes: Processes) -> None:
    UserFactory(username="olivia", role="responder")
    set_profile(UserFactory(username="dana", role="responder"), start=None, end=None, weekends=False)
    _sweep_due_now()

    made = subprocess.run(  # noqa: S603 — the documented management command
        [sys.executable, "manage.py", "create_api_token", "olivia"],
        cwd=ROOT,
        env=processes.env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = made.stdout.strip().splitlines()[-1]

    processes.start("web", [str(BIN / "gunicorn"), "config.wsgi"])
    processes.start("worker", [str(BIN / "celery"), "-A", "config", "worker"])
    processes.start("beat", [str(BIN / "celery"), "-A", "config", "beat"])
    port = processes.env["GUNICORN_CMD_ARGS"].split()[1].rsplit(":", 1)[1]
    api = Api(f"http://127.0.0.1:{port}", token)
    processes.wait_until(api.up, what="gunicorn answering /healthz")

    status, incident = api.call(
        "POST",
        "/api/v1/incidents/",
        {"title": "Checkout returns 502", "severity": "SEV2", "services": ["checkout"]},
    )
    assert status == 201, incident
    reference = incident["reference"]
    status, entry = api.call(
        "POST",
        f"/api/v1/incidents/{reference}/timeline/",
        {"body": "Rolled back the deploy", "kind": "action", "is_key": True},
    )
    assert status == 201, entry
    status, action = api.call(
        "POST",
        f"/api/v1/incidents/{reference}/actions/",
        {"title": "Add a canary", "owner": "dana", "due_date": timezone.localdate().isoformat()},
    )
    assert status == 201, action
    status, resolved = api.call("PATCH", f"/api/v1/incidents/{reference}/", {"status": "resolved"})
    assert status == 200, resolved

    status, job = api.call("POST", f"/api/v1/incidents/{reference}/postmortem/generate/")
    assert status == 202, job

    def generated() -> bool:
        return api.call("GET", job["url"])[1]["status"] in ("succeeded", "failed")

    processes.wait_until(generated, what="the worker generating the postmortem")
    assert api.call("GET", job["url"])[1]["status"] == "succeeded"
    timeline = Postmortem.objects.get(incident__reference=reference).sections.get(key="timeline").body
    assert "Rolled back the deploy" in timeline

    def reminded() -> bool:
        return Notification.objects.filter(recipient__username="dana", rule="action_overdue").exists()

    processes.wait_until(reminded, what="beat's sweep, run by the worker")
    notification = Notification.objects.get(recipient__username="dana", rule="action_overdue")
    assert notification.title == f"Due today: Add a canary ({reference})"
