"""The periodic pull (beat, see migration 0002): a thin wrapper around the pull service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from incidents.gitsync.services import gitsync_pull
from incidents.jobs import TransientJobError


@shared_task(
    name="hindsight.gitsync.pull",
    ignore_result=True,
    # Safe to run twice or beside a webhook's pull: the mirror is locked, applied blobs are remembered.
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, TransientJobError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
    # Every 5 minutes; a run late by more than its interval is dropped, the next one catches up.
    expires=290,
)
def pull_from_git() -> dict[str, Any]:
    """Fetch the Git repository and apply what changed (nothing when Git sync is not configured)."""
    return gitsync_pull()
