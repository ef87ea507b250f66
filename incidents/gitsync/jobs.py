"""The outbox jobs of the Git sync (run by `hindsight.jobs.run`; both are safe to run twice)."""

from __future__ import annotations

from typing import Any

from incidents.gitsync.services import PULL_JOB, PUSH_JOB, gitsync_pull, gitsync_push
from incidents.jobs import job_handler


@job_handler(PUSH_JOB)
def push(**kwargs: Any) -> dict[str, Any]:
    """Commit one incident's published postmortem and record, and push."""
    return gitsync_push(**kwargs)


@job_handler(PULL_JOB)
def pull(**kwargs: Any) -> dict[str, Any]:
    """Fetch the repository and bring Git's edits back as revisions (or conflicts)."""
    return gitsync_pull(**kwargs)
