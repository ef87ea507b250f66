"""Celery task of ticket sync: the periodic reconcile (scheduled in migration 0002)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from incidents.tickets.services import tickets_reconcile


@shared_task(
    name="hindsight.tickets.reconcile",
    ignore_result=True,
    acks_late=True,  # safe to run twice: applying a state the link already has changes nothing
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    # Every 15 minutes (beat); a run late by more than its interval is dropped, the next catches up.
    expires=14 * 60,
)
def reconcile_tickets() -> dict[str, int]:
    """Fetch open (and recently closed) tickets' states from their trackers, in case a webhook was missed."""
    return tickets_reconcile()
