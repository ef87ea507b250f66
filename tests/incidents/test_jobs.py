"""The job outbox: recorded with the change, run once, failures recorded, stale jobs sent again,
and a real Celery worker on the configured broker running a job end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from incidents import jobs
from incidents.jobs import TransientJobError, job_enqueue, job_handler, job_run, jobs_dispatch_pending
from incidents.models import Job
from incidents.services import incident_declare, incident_update

CALLS: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def test_handlers() -> Iterator[None]:
    """Register handlers for these tests only, and forget them afterwards."""
    before = dict(jobs._HANDLERS)
    CALLS.clear()

    @job_handler("tests.record")
    def record(**kwargs: Any) -> dict[str, Any]:
        CALLS.append(kwargs)
        return {"seen": kwargs}

    @job_handler("tests.explode")
    def explode(**kwargs: Any) -> None:
        raise ValueError("the widget is on fire")

    @job_handler("tests.flaky")
    def flaky(**kwargs: Any) -> None:
        raise TransientJobError("database blip")

    yield
    jobs._HANDLERS.clear()
    jobs._HANDLERS.update(before)


def test_a_job_is_recorded_in_the_transaction_and_sent_only_after_commit(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_enqueue(name="tests.record", kwargs={"n": 1})
        assert Job.objects.get(pk=job.pk).status == "queued"
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.dispatched_at is None, "nothing may reach the broker before the change commits"


def test_a_rolled_back_change_leaves_no_job(owner: Any) -> None:
    class Abort(Exception):
        pass

    def resolve_then_fail() -> None:
        with transaction.atomic():
            incident = incident_declare(actor=owner, title="Short-lived", severity="SEV3")
            incident_update(incident=incident, actor=owner, data={"status": "resolved"})
            raise Abort

    with pytest.raises(Abort):
        resolve_then_fail()
    assert not Job.objects.exists()


def test_resolving_an_incident_enqueues_postmortem_generation(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Outage", severity="SEV1")
    incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    job = Job.objects.get(name="postmortems.generate")
    assert job.kwargs == {"incident_id": incident.pk, "reason": "incident resolved"}
    assert job.incident == incident
    assert job.created_by == owner


def test_a_job_runs_once_even_when_delivered_twice(db: Any) -> None:
    job = job_enqueue(name="tests.record", kwargs={"n": 7})
    first = job_run(job_id=str(job.pk))
    second = job_run(job_id=str(job.pk))
    assert CALLS == [{"n": 7}]
    assert first is not None
    assert first.status == "succeeded"
    assert first.result == {"seen": {"n": 7}}
    assert first.attempts == 1
    assert second is not None
    assert second.status == "succeeded"
    assert second.attempts == 1


def test_a_job_with_no_handler_fails_with_a_message(db: Any) -> None:
    job = job_enqueue(name="tests.nobody-handles-this")
    result = job_run(job_id=str(job.pk))
    assert result is not None
    assert result.status == "failed"
    assert result.error == "No handler for job 'tests.nobody-handles-this'."
    assert result.finished_at is not None


def test_a_failing_handler_marks_the_job_failed_with_the_error(db: Any) -> None:
    job = job_enqueue(name="tests.explode")
    result = job_run(job_id=str(job.pk))
    assert result is not None
    assert result.status == "failed"
    assert result.error == "ValueError: the widget is on fire"


def test_a_transient_failure_puts_the_job_back_for_a_retry(db: Any) -> None:
    job = job_enqueue(name="tests.flaky")
    with pytest.raises(TransientJobError):
        job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "queued"
    assert job.error == "database blip"


def test_a_job_another_worker_is_running_is_left_alone(db: Any) -> None:
    job = job_enqueue(name="tests.record")
    Job.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    result = job_run(job_id=str(job.pk))
    assert CALLS == []
    assert result is not None
    assert result.status == "running"


def test_a_job_abandoned_by_a_dead_worker_is_sent_again_and_runs(db: Any) -> None:
    job = job_enqueue(name="tests.record", kwargs={"n": 3})
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status="running", started_at=long_ago, dispatched_at=long_ago, attempts=1
    )
    sent = jobs_dispatch_pending()
    job.refresh_from_db()
    assert sent == 1
    assert job.status == "queued"
    assert job.dispatched_at is not None
    assert job.dispatched_at > long_ago
    result = job_run(job_id=str(job.pk))
    assert result is not None
    assert result.status == "succeeded"
    assert result.attempts == 2
    assert CALLS == [{"n": 3}]


def test_a_job_never_sent_is_sent_by_the_dispatcher(db: Any) -> None:
    job = job_enqueue(name="tests.record")  # the on-commit send never happens inside a test transaction
    assert jobs_dispatch_pending() == 1
    job.refresh_from_db()
    assert job.dispatched_at is not None
    assert jobs_dispatch_pending() == 0, "a job just sent is not sent again straight away"


def test_finished_jobs_are_never_sent_again(db: Any) -> None:
    job = job_enqueue(name="tests.record")
    job_run(job_id=str(job.pk))
    Job.objects.filter(pk=job.pk).update(dispatched_at=timezone.now() - timedelta(hours=1))
    assert jobs_dispatch_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_committed_job_end_to_end() -> None:
    from celery.contrib.testing.worker import start_worker

    from config.celery_app import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        with transaction.atomic():
            job = job_enqueue(name="tests.record", kwargs={"via": "celery"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in ("succeeded", "failed"):
                break
            time.sleep(0.2)
    assert job.status == "succeeded", f"job still {job.status} after 60 s ({job.error})"
    assert job.dispatched_at is not None
    assert job.result == {"seen": {"via": "celery"}}
    assert CALLS == [{"via": "celery"}]
