"""Celery tasks: thin wrappers that take ids and call into `incidents.jobs`."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from incidents.jobs import RUN_JOB_TASK, TransientJobError, job_run, jobs_dispatch_pending


@shared_task(
    name=RUN_JOB_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, TransientJobError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def run_job(job_id: str) -> None:
    """Run one outbox job (idempotent: a job already taken or finished is not run again)."""
    job_run(job_id=job_id)


@shared_task(name="hindsight.jobs.dispatch_pending", ignore_result=True)
def dispatch_pending() -> int:
    """Send the jobs the outbox still holds (every 30 s from beat)."""
    return jobs_dispatch_pending()
