"""Background jobs through an outbox (the `Job` table).

A service calls `job_enqueue()` inside its transaction; the job row commits with the change that
asked for it. After commit it is sent to Celery; if the broker is down the row waits, and the
periodic `dispatch_pending` sends it when the broker is back. Workers claim a job with a
compare-and-set UPDATE, so a job sent twice still runs once.

Handlers register by name with `@job_handler("postmortems.generate")`; apps import their handler
modules in `AppConfig.ready()`. Handlers must be idempotent: a job may run again after a worker
died in the middle of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents.conf import hindsight_setting
from incidents.models import Job
from incidents.models.jobs import JobStatus
from timeline.actors import Actor

logger = logging.getLogger(__name__)

# The Celery task that runs one job (incidents/tasks.py).
RUN_JOB_TASK = "hindsight.jobs.run"

Handler = Callable[..., Any]
_HANDLERS: dict[str, Handler] = {}

# Celery queue per job-name prefix (see CELERY_TASK_ROUTES for periodic tasks).
_QUEUES = {"postmortems": "postmortems", "reminders": "reminders"}


def job_handler(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of jobs called `name`."""

    def decorator(func: Handler) -> Handler:
        _HANDLERS[name] = func
        return func

    return decorator


def registered_handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def job_enqueue(
    *,
    name: str,
    kwargs: dict[str, Any] | None = None,
    incident_id: int | None = None,
    actor: Actor = None,
) -> Job:
    """Record a job and send it to the broker once the current transaction commits."""
    job = Job.objects.create(
        name=name,
        kwargs=kwargs or {},
        incident_id=incident_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    transaction.on_commit(lambda: job_dispatch(job_id=str(job.pk)))
    return job


def _queue_for(name: str) -> str:
    return _QUEUES.get(name.split(".", 1)[0], settings.CELERY_TASK_DEFAULT_QUEUE)


def job_dispatch(*, job_id: str) -> bool:
    """Send one job to Celery. Return False (and leave it for the dispatcher) if the broker is down."""
    job = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).only("pk", "name").first()
    if job is None:
        return False
    try:
        # retry=False: a responder's request must not hang while the broker is down.
        # By the task's name (incidents/tasks.py): the outbox does not import the tasks that run it.
        current_app.send_task(RUN_JOB_TASK, args=[str(job.pk)], queue=_queue_for(job.name), retry=False)
    except Exception:  # noqa: BLE001 — any broker failure leaves the job in the outbox
        logger.warning("broker unavailable; job %s stays in the outbox", job_id, exc_info=True)
        return False
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(dispatched_at=timezone.now())
    return True


def jobs_dispatch_pending(*, limit: int = 500) -> int:
    """Send jobs never sent, sent long ago and still queued, or abandoned by a dead worker."""
    now = timezone.now()
    redispatch_after: timedelta = hindsight_setting("JOB_REDISPATCH_AFTER")
    stale_after: timedelta = hindsight_setting("JOB_STALE_AFTER")
    Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - stale_after).update(
        status=JobStatus.QUEUED, dispatched_at=None
    )
    pending = Job.objects.filter(status=JobStatus.QUEUED).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - redispatch_after)
    )
    sent = 0
    for job_id in pending.order_by("created_at").values_list("pk", flat=True)[:limit]:
        if not job_dispatch(job_id=str(job_id)):
            break  # broker down: try again next sweep
        sent += 1
    return sent


def _claim(job_id: str) -> bool:
    """Take the job for this worker; False if another worker has it or it is finished."""
    now = timezone.now()
    stale_after: timedelta = hindsight_setting("JOB_STALE_AFTER")
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - stale_after)
    return (
        Job.objects.filter(claimable, pk=job_id).update(
            status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, error=""
        )
        == 1
    )


class TransientJobError(Exception):
    """Raised by a handler for a failure worth retrying (a database blip, a timeout)."""


def job_run(*, job_id: str) -> Job | None:
    """Run a job now, in this process, if nobody else has it. Return the job afterwards.

    Transient errors put the job back in the queue and are re-raised for the task to retry;
    anything else marks it failed with the error.
    """
    from django.db import InterfaceError, OperationalError

    if not _claim(job_id):
        return Job.objects.filter(pk=job_id).first()
    job = Job.objects.get(pk=job_id)
    handler = _HANDLERS.get(job.name)
    if handler is None:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=f"No handler for job {job.name!r}.", finished_at=timezone.now()
        )
        return Job.objects.get(pk=job.pk)
    try:
        result = handler(**job.kwargs)
    except (OperationalError, InterfaceError, TransientJobError) as error:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, error=str(error)[:2000])
        raise
    except Exception as error:  # noqa: BLE001 — the job records any failure for the UI and API
        logger.exception("job %s (%s) failed", job.pk, job.name)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            result=result if isinstance(result, dict | list | str | int | None) else None,
            finished_at=timezone.now(),
        )
    return Job.objects.get(pk=job.pk)
