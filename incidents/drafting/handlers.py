"""The `drafting.draft_section` outbox job: run by `hindsight.jobs.run` on a worker, retried with
backoff on TransientJobError (a timeout, a 5xx, a 429). Idempotent: see `services.draft_run`."""

from __future__ import annotations

from typing import Any

from incidents.drafting.services import DRAFT_JOB, draft_run
from incidents.jobs import job_handler


@job_handler(DRAFT_JOB)
def draft_section(*, draft_id: int, **_: Any) -> dict[str, Any]:
    return draft_run(draft_id=draft_id)
