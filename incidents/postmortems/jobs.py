"""The `postmortems.generate` job: run by `hindsight.jobs.run` on a worker (acks_late, retried on
transient database errors by the task). Safe to run twice: generation is idempotent."""

from __future__ import annotations

from typing import Any

from incidents.jobs import job_handler
from incidents.postmortems.services import GENERATE_JOB, postmortem_generate, user_for_id


@job_handler(GENERATE_JOB)
def generate_postmortem(
    *, incident_id: int, reason: str = "", actor_id: int | None = None, **_: Any
) -> dict[str, Any]:
    """Re-read the incident and rebuild its postmortem's generated sections."""
    return postmortem_generate(incident_id=incident_id, actor=user_for_id(actor_id), reason=reason)
