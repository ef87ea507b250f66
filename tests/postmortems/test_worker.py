"""Generation through a real Celery worker and broker (embedded SQLite broker, or Redis with REDIS_URL)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery_app import app
from incidents.models import Job
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate_request
from incidents.services import incident_update
from tests.factories import IncidentFactory, TimelineEventFactory


def wait_for(job: Job, *, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job still {job.status} after {timeout}s")


@pytest.fixture
def worker(transactional_db):
    import incidents.tasks  # noqa: F401 — registers hindsight.jobs.run with the app

    # No queue list: like `celery -A config worker`, it consumes every queue the app declares
    # (a narrower list would stick for the process and starve other tests' workers).
    with start_worker(app, pool="solo", perform_ping_check=False):
        yield


# The rows the data migrations wrote come back through tests/conftest.py after each flush (not
# serialized_rollback: reloading the serialized content types collides with those the flush's
# post_migrate signal recreates under new ids, depending on which test ran before).
@pytest.mark.django_db(transaction=True)
def test_a_requested_generation_runs_on_the_worker(worker, owner):
    incident = IncidentFactory(commander=owner, reporter=owner, status="resolved")
    TimelineEventFactory(incident=incident, body="Rolled back the deploy", is_key=True)
    with transaction.atomic():
        job = postmortem_generate_request(incident=incident, actor=owner)

    assert wait_for(job).status == "succeeded"
    assert job.result["changed"] is True
    postmortem = Postmortem.objects.get(incident=incident)
    assert "Rolled back the deploy" in postmortem.sections.get(key="timeline").body
    assert postmortem.revisions.get().author == owner


# The rows the data migrations wrote come back through tests/conftest.py after each flush (not
# serialized_rollback: reloading the serialized content types collides with those the flush's
# post_migrate signal recreates under new ids, depending on which test ran before).
@pytest.mark.django_db(transaction=True)
def test_resolving_an_incident_generates_its_postmortem_on_the_worker(worker, owner):
    incident = IncidentFactory(commander=owner, reporter=owner)
    incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    job = Job.objects.get(incident=incident, name="postmortems.generate")

    assert wait_for(job).status == "succeeded"
    header = Postmortem.objects.get(incident=incident).sections.get(key="header").body
    assert "| **Status** | Resolved |" in header

    # A second run (a redelivered or repeated job) writes no new revision.
    with transaction.atomic():
        again = postmortem_generate_request(incident=incident, actor=owner)
    assert wait_for(again).result == {"changed": False, "revision": 1}
