"""A stand-in for an OpenAI-compatible model server on 127.0.0.1, a record to draft from, and a
way to run the drafting job as a worker would."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from incidents.jobs import TransientJobError, job_run
from incidents.models import Incident, Job
from incidents.models.jobs import JobStatus
from tests.api.conftest import client_as  # noqa: F401 — API clients with real tokens
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    StatusUpdateFactory,
    TimelineEventFactory,
)

START = datetime(2026, 11, 19, 23, 40, tzinfo=UTC)
MODEL = "llama3.1:8b-instruct"


def completion(content: str) -> dict[str, Any]:
    """A Chat Completions answer as the protocol shapes it."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }


class ModelServer:
    """Speaks `POST /v1/chat/completions` (the outside world: Ollama, vLLM, llama.cpp, …).

    `answers` is a queue of (status, JSON body or raw bytes, delay seconds); when it is empty the
    server answers 200 with `default`.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any, float]] = []
        self.default = completion("Nothing to say [I1].")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, answer, delay = (
                    server.answers.pop(0) if server.answers else (200, server.default, 0.0)
                )
                if delay:
                    time.sleep(delay)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reply(self, content: str) -> None:
        self.answers.append((200, completion(content), 0.0))

    def sent(self) -> list[dict[str, Any]]:
        return [json.loads(request["body"]) for request in self.requests]

    def prompt(self, index: int = -1) -> str:
        """Everything the model was told in one request, as one string."""
        return "\n".join(message["content"] for message in self.sent()[index]["messages"])


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    server = ModelServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def llm_settings(settings: Any, url: str, **extra: Any) -> None:
    settings.HINDSIGHT = {
        **settings.HINDSIGHT,
        "LLM_BASE_URL": url,
        "LLM_MODEL": MODEL,
        "LLM_API_KEY": "sk-test-key",
        "LLM_LOCAL": False,
        "LLM_TIMEOUT": 1.5,
        "LLM_MAX_ATTEMPTS": 3,
        **extra,
    }


@pytest.fixture
def llm(settings: Any, model_server: ModelServer) -> ModelServer:
    """Drafting switched on, pointed at the stand-in server (not marked local)."""
    llm_settings(settings, model_server.url)
    return model_server


def run_drafting_jobs() -> list[Job]:
    """Run every queued drafting job once, as a worker would (a retry leaves it queued)."""
    ran = []
    for job in Job.objects.filter(status=JobStatus.QUEUED, name__startswith="drafting.").order_by(
        "created_at"
    ):
        with contextlib.suppress(TransientJobError):
            job_run(job_id=str(job.pk))
        ran.append(Job.objects.get(pk=job.pk))
    return ran


@pytest.fixture
def record(owner: Any) -> Incident:
    """A resolved SEV1: entries (one deleted), a confirmed, a suspected and a ruled-out cause,
    an action item and two status updates."""
    incident = IncidentFactory(
        title="Checkout outage",
        severity="SEV1",
        status="resolved",
        commander=owner,
        reporter=owner,
        summary="Checkout failed for most users.",
        started_at=START,
        detected_at=START + timedelta(minutes=7),
        mitigated_at=START + timedelta(minutes=35),
        resolved_at=START + timedelta(minutes=50),
    )
    event = TimelineEventFactory.create
    deploy = event(
        incident=incident,
        occurred_at=START - timedelta(minutes=5),
        kind="action",
        body="Deployed payments v2.3",
        is_key=True,
    )
    event(
        incident=incident,
        occurred_at=START + timedelta(minutes=7),
        kind="alert",
        body="5xx rate above 20% on checkout",
        is_key=True,
    )
    event(
        incident=incident,
        occurred_at=START + timedelta(minutes=30),
        kind="action",
        body="Rolled back payments to v2.2",
    )
    event(
        incident=incident,
        occurred_at=START + timedelta(minutes=31),
        kind="note",
        body="Deleted note about the pager password",
        deleted_at=START + timedelta(minutes=40),
    )
    confirmed = CauseFactory(
        incident=incident,
        category="software",
        role="root_cause",
        status="confirmed",
        description="Null pointer in the new tax code path",
    )
    confirmed.evidence.set([deploy])
    CauseFactory(
        incident=incident,
        category="process",
        role="contributing",
        status="suspected",
        description="No canary stage for payments",
    )
    CauseFactory(
        incident=incident,
        category="dependency",
        role="root_cause",
        status="ruled_out",
        description="Payment provider outage",
    )
    RemediationActionFactory(
        incident=incident, title="Add a canary stage to payments", kind="prevent", priority="P1"
    )
    StatusUpdateFactory(
        incident=incident,
        audience="public",
        status="identified",
        message="We found the cause and are rolling back.",
        posted_at=START + timedelta(minutes=25),
    )
    StatusUpdateFactory(
        incident=incident,
        audience="internal",
        status="resolved",
        message="Error rate back to normal.",
        posted_at=START + timedelta(minutes=50),
    )
    return incident
