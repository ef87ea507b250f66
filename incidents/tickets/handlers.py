"""The outbox job that creates a ticket for a pending link.

Safe to run again: the link's `marker` is in the ticket's description, and every run after the
first looks for a ticket carrying it before creating one. So a create that timed out on our side
but reached the tracker is found, not made twice. Transient failures (timeouts, 5xx, 429) raise
`TransientJobError`, which puts the job back in the outbox for the Celery task to retry with
backoff; after `TICKETS_MAX_ATTEMPTS` the link is marked failed and the item can ask again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import F

from incidents.conf import hindsight_setting
from incidents.jobs import TransientJobError, job_handler

from .adapters import TrackerError, adapter_for
from .models import LinkState, TicketLink
from .services import CREATE_JOB, ticket_draft, ticket_fail, ticket_settle

logger = logging.getLogger(__name__)


@job_handler(CREATE_JOB)
def create_ticket(*, link_id: int, **_: Any) -> dict[str, Any]:
    """Create (or find, after an interrupted try) the ticket of one pending link."""
    link = (
        TicketLink.objects.select_related("tracker", "action__incident", "action__owner")
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        return {"status": "gone"}
    if link.state != LinkState.PENDING:
        return {"status": link.state, "key": link.key}
    action, tracker = link.action, link.tracker
    refusal = ""
    if action.is_deleted:
        refusal = "The action item was deleted."
    elif action.incident.private and not tracker.allow_private:
        refusal = "The incident is private now; this tracker does not take private incidents."
    elif not tracker.active:
        refusal = f"The tracker {tracker.name} is switched off."
    if refusal:
        ticket_fail(link=link, error=refusal)
        return {"status": LinkState.FAILED, "error": refusal}
    tried_before = link.attempts > 0
    TicketLink.objects.filter(pk=link.pk).update(attempts=F("attempts") + 1)
    attempts = link.attempts + 1
    adapter = adapter_for(tracker)
    try:
        remote = adapter.find_by_marker(link.marker) if tried_before else None
        if remote is None:
            remote = adapter.create(ticket_draft(link))
    except TrackerError as error:
        if error.retryable and attempts < int(hindsight_setting("TICKETS_MAX_ATTEMPTS")):
            TicketLink.objects.filter(pk=link.pk).update(error=str(error)[:2000])
            raise TransientJobError(f"attempt {attempts}: {error}") from error
        ticket_fail(link=link, error=str(error))
        logger.error("ticket for action item %s given up after %s attempt(s): %s", action.pk, attempts, error)
        raise RuntimeError(f"Gave up after {attempts} attempt(s): {error}") from error
    ticket_settle(link=link, remote=remote)
    return {"status": "created", "key": remote.key, "url": remote.url}
