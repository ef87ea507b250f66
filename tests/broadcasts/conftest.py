"""A real chat receiver on 127.0.0.1, channels of every kind, and a way to run outbox jobs."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from incidents.broadcasts.models import BroadcastChannel, BroadcastRule
from incidents.jobs import TransientJobError, job_run
from incidents.models import Job
from incidents.models.jobs import JobStatus


class Receiver:
    """An HTTP server standing in for Slack, Mattermost or Teams (the outside world).

    `answers` is a queue of (status, body, delay seconds); when empty it answers 200 "ok".
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, bytes, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, answer, delay = receiver.answers.pop(0) if receiver.answers else (200, b"ok", 0.0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def channel_with_rule(kind: str, url: str, **rule: Any) -> BroadcastChannel:
    """A channel of `kind` posting to `url`, and one rule routing every default event to it."""
    channel = BroadcastChannel.objects.create(
        name=f"{kind} #incidents",
        kind=kind,
        url=url,
        token="xoxb-test-token" if kind == "slack_api" else "",
        target="C0123456789" if kind == "slack_api" else "",
    )
    services = rule.pop("services", [])
    created = BroadcastRule.objects.create(name=f"all to {kind}", channel=channel, **rule)
    if services:
        created.services.set(services)
    return channel


def run_jobs(name_prefix: str = "broadcasts.") -> list[Job]:
    """Run every queued job whose name starts with the prefix, as a worker would (once each)."""
    ran = []
    for job in Job.objects.filter(status=JobStatus.QUEUED, name__startswith=name_prefix).order_by(
        "created_at"
    ):
        # A TransientJobError puts it back in the queue, as when a Celery autoretry is scheduled.
        with contextlib.suppress(TransientJobError):
            job_run(job_id=str(job.pk))
        ran.append(Job.objects.get(pk=job.pk))
    return ran
