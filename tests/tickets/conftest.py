"""Trackers pointing at a local HTTP server (pytest-httpserver) answering with the documented
payloads in payloads/, API clients with real tokens, and the outbox job runner."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from incidents.jobs import TransientJobError, job_run
from incidents.models import Job, RemediationAction
from incidents.models.jobs import JobStatus
from incidents.services import action_add, api_token_create
from incidents.tickets.models import TrackerConnection

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "It's a Secret to Everybody"


def payload(name: str) -> Any:
    """A fresh copy of a documented payload (tests may change it)."""
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def run_ticket_jobs() -> list[Job]:
    """Run every queued ticket job once, as a worker would (through the outbox's job_run)."""
    ran = []
    for job in Job.objects.filter(status=JobStatus.QUEUED, name__startswith="tickets.").order_by(
        "created_at"
    ):
        # A TransientJobError puts it back in the queue, as when a Celery autoretry is scheduled.
        with contextlib.suppress(TransientJobError):
            job_run(job_id=str(job.pk))
        ran.append(Job.objects.get(pk=job.pk))
    return ran


@pytest.fixture(autouse=True)
def _fast_tracker_timeouts(settings: Any) -> None:
    settings.HINDSIGHT = {**settings.HINDSIGHT, "TICKETS_TIMEOUT": 0.5, "TICKETS_MAX_ATTEMPTS": 3}
    settings.SITE_URL = "https://hindsight.example.com"


@pytest.fixture
def github(db: Any, httpserver: HTTPServer) -> TrackerConnection:
    return TrackerConnection.objects.create(
        name="GitHub Hello-World",
        kind="github",
        base_url=httpserver.url_for("/").rstrip("/"),
        project="octocat/Hello-World",
        labels="incident-followup, hindsight",
        token="ghp_test_token",
        webhook_secret=SECRET,
    )


@pytest.fixture
def gitlab(db: Any, httpserver: HTTPServer) -> TrackerConnection:
    return TrackerConnection.objects.create(
        name="GitLab my-project",
        kind="gitlab",
        base_url=httpserver.url_for("/").rstrip("/"),
        project="my-group/my-project",
        labels="incident-followup",
        token="glpat-test-token",
        webhook_secret=SECRET,
    )


@pytest.fixture
def jira(db: Any, httpserver: HTTPServer) -> TrackerConnection:
    return TrackerConnection.objects.create(
        name="Jira ED",
        kind="jira",
        base_url=httpserver.url_for("/").rstrip("/"),
        project="ED",
        labels="incident-followup",
        email="bot@example.com",
        token="jira-api-token",
        webhook_secret=SECRET,
    )


@pytest.fixture
def action(owner: Any, incident: Any) -> RemediationAction:
    return action_add(
        incident=incident,
        actor=owner,
        title="Alert on search p99 above 2 s",
        description="The alarm fired 40 minutes late.\n\nPage the search on-call instead.",
        priority="P1",
        owner=owner,
    )


@pytest.fixture
def private_action(owner: Any, private_incident: Any) -> RemediationAction:
    return action_add(incident=private_incident, actor=owner, title="Rotate the leaked credentials")


@pytest.fixture
def client_as(db: Any) -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        _, key = api_token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
