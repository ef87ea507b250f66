"""Celery tasks of the reminders app: thin wrappers around the sweep."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from incidents.reminders.delivery import deliveries_send_due
from incidents.reminders.sweep import DELIVER_TASK, sweep


@shared_task(
    name="hindsight.reminders.sweep",
    ignore_result=True,
    # Safe to run twice or concurrently: reminder keys and delivery claims deduplicate.
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    # Runs every minute (beat, see migration 0002); a late run is skipped, the next one catches up.
    expires=55,
)
def sweep_reminders() -> str:
    """Evaluate the reminder rules now and send what is due."""
    return sweep(now=timezone.now(), external="queue").summary()


@shared_task(
    name=DELIVER_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
)
def deliver_batch(channel: str) -> int:
    """Send one batch of due email or webhook deliveries (claimed, so parallel tasks never overlap)."""
    report = deliveries_send_due(now=timezone.now(), channels=[channel], max_batches=1)
    return sum(report.sent.values())
