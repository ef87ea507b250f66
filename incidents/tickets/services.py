"""Ticket sync's writers: ask for a ticket, link an existing one, settle a created one, and apply a
ticket's state (closed → the item is done; reopened → the item is open again).

Changes a tracker makes to an action item go through `incidents.services.action_update` with the
system as the actor (None), so they are validated and recorded in the item's history like any
other change; the completion note names the ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from incidents.choices import ActionStatus
from incidents.conf import absolute_url, hindsight_setting
from incidents.jobs import job_enqueue
from incidents.models import Job, RemediationAction
from incidents.services import action_update
from incidents.services.actions import CLOSED_STATUSES
from incidents.services.common import actor_or_none, require_edit
from timeline.actors import Actor

from .adapters import RemoteTicket, TicketDraft, TrackerError, WebhookRefused, adapter_for
from .models import LinkState, TicketLink, TrackerConnection, TrackerKind, WebhookReceipt

logger = logging.getLogger(__name__)

CREATE_JOB = "tickets.create"
# Deliveries remembered for replay rejection; trackers give up retrying long before this.
RECEIPTS_KEPT = timedelta(days=30)


def _existing_link_error(action: RemediationAction) -> None:
    link = TicketLink.objects.filter(action=action).select_related("tracker").first()
    if link is None:
        return
    if link.state == LinkState.FAILED:
        link.delete()  # asking again replaces a ticket that could not be created
        return
    what = link.key or f"one being created in {link.tracker.name}"
    raise ValidationError({"tracker": f"This action item already has a ticket: {what}."})


def _usable(tracker: TrackerConnection, action: RemediationAction) -> None:
    if not tracker.active:
        raise ValidationError({"tracker": f"The tracker {tracker.name} is switched off."})


def _lock(action: RemediationAction) -> RemediationAction:
    locked = (
        RemediationAction.objects.select_for_update().select_related("incident").filter(pk=action.pk).first()
    )
    if locked is None:
        raise ValidationError({"action": "This action item was deleted."})
    return locked


@transaction.atomic
def ticket_request(
    *, action: RemediationAction, actor: Actor, tracker: TrackerConnection
) -> tuple[TicketLink, Job]:
    """Ask for a ticket in `tracker`: a pending link now, the ticket from an outbox job after commit."""
    require_edit(actor, action.incident)
    action = _lock(action)
    _usable(tracker, action)
    if action.incident.private and not tracker.allow_private:
        raise ValidationError(
            {
                "tracker": f"{action.incident.reference} is private: {tracker.name} does not take tickets "
                "for private incidents (an admin can allow it on the tracker)."
            }
        )
    _existing_link_error(action)
    if action.ticket_url:
        raise ValidationError(
            {"tracker": "This action item already links a ticket; link it here instead of creating another."}
        )
    link = TicketLink.objects.create(action=action, tracker=tracker, created_by=actor_or_none(actor))
    job = job_enqueue(
        name=CREATE_JOB, kwargs={"link_id": link.pk}, incident_id=action.incident_id, actor=actor
    )
    return link, job


def ticket_link_existing(
    *, action: RemediationAction, actor: Actor, tracker: TrackerConnection, reference: str
) -> TicketLink:
    """Link a ticket that already exists, after checking with the tracker that it does."""
    require_edit(actor, action.incident)
    _usable(tracker, action)
    if not isinstance(reference, str) or not reference.strip():
        raise ValidationError({"url": "Give the ticket's address or key."})
    adapter = adapter_for(tracker)
    try:
        number = adapter.parse_reference(reference[:500])
    except ValueError as error:
        raise ValidationError({"url": str(error)}) from error
    # Outside any transaction: no row stays locked while the tracker answers.
    try:
        remote = adapter.get(number)
    except TrackerError as error:
        if error.status == 404:
            raise ValidationError({"url": f"{tracker.name} has no ticket {number}."}) from error
        raise ValidationError({"url": f"Could not check the ticket in {tracker.name}: {error}"}) from error
    with transaction.atomic():
        locked = _lock(action)
        _existing_link_error(locked)
        link = TicketLink.objects.create(
            action=locked,
            tracker=tracker,
            state=LinkState.OPEN,
            created_by=actor_or_none(actor),
        )
        _settle(link, remote, actor=actor)
    return link


def _settle(link: TicketLink, remote: RemoteTicket, *, actor: Actor) -> None:
    link.number = remote.number
    link.external_id = remote.external_id
    link.key = remote.key
    link.url = remote.url
    link.error = ""
    link.save(update_fields=["number", "external_id", "key", "url", "error"])
    action = RemediationAction.objects.filter(pk=link.action_id).first()
    if action is not None and action.ticket_url != remote.url:
        action_update(action=action, actor=actor, data={"ticket_url": remote.url})
    _apply(link, closed=remote.closed, status=remote.status, first=True)


@transaction.atomic
def ticket_settle(*, link: TicketLink, remote: RemoteTicket) -> TicketLink:
    """Record the ticket a job created (or found) for a pending link."""
    _settle(link, remote, actor=None)
    return link


def ticket_fail(*, link: TicketLink, error: str) -> None:
    TicketLink.objects.filter(pk=link.pk, state=LinkState.PENDING).update(
        state=LinkState.FAILED, error=error[:2000]
    )


def closing_note(link: TicketLink) -> str:
    return f"Closed in {link.tracker.kind_name} {link.key}"


def _apply(link: TicketLink, *, closed: bool, status: str, first: bool = False) -> bool:
    """Record the ticket's state; on a change, close or reopen the item. Return True if it changed."""
    locked = TicketLink.objects.select_for_update().select_related("tracker").get(pk=link.pk)
    was_closed = locked.state == LinkState.CLOSED and not first
    now = timezone.now()
    locked.state = LinkState.CLOSED if closed else LinkState.OPEN
    locked.remote_status = status[:100]
    locked.last_synced_at = now
    if not closed:
        locked.closed_at = None
    elif not was_closed or locked.closed_at is None:
        locked.closed_at = now
    locked.save(update_fields=["state", "remote_status", "last_synced_at", "closed_at"])
    if closed == was_closed:
        return False  # only a change of the ticket's state moves the item
    action = RemediationAction.objects.select_related("incident").filter(pk=locked.action_id).first()
    if action is None:
        return False  # deleted in Hindsight: the ticket no longer speaks for it
    if closed and action.status not in CLOSED_STATUSES:
        data = {"status": ActionStatus.DONE, "completion_note": closing_note(locked)}
    elif not closed and action.status in CLOSED_STATUSES and not first:
        data = {"status": ActionStatus.OPEN, "completion_note": ""}
    else:
        return False
    action_update(action=action, actor=None, data=data)
    return True


@transaction.atomic
def ticket_state_apply(*, link: TicketLink, closed: bool, status: str) -> bool:
    return _apply(link, closed=closed, status=status)


# ---------------------------------------------------------------- webhooks


@dataclass
class WebhookOutcome:
    status: int
    detail: str
    changed: list[int] = field(default_factory=list)


def webhook_verify(*, tracker: TrackerConnection, headers: Mapping[str, str], body: bytes) -> None:
    """Refuse (WebhookRefused 403) a delivery without the connection's signature or token.

    Called on the raw body before anything parses it: the signature is over these exact bytes.
    """
    if not tracker.webhook_secret:
        raise WebhookRefused(f"{tracker.name} has no webhook secret set; set one in the admin.", status=403)
    adapter_for(tracker).verify_webhook(headers, body)


def webhook_apply(*, tracker: TrackerConnection, headers: Mapping[str, str], payload: Any) -> WebhookOutcome:
    """Apply one verified, parsed delivery. Refusals raise WebhookRefused, changing nothing."""
    adapter = adapter_for(tracker)
    if not isinstance(payload, Mapping):
        raise WebhookRefused("Send a JSON object.", status=400)
    delivery = adapter.delivery_id(headers)[:200]
    if not delivery and tracker.kind in (TrackerKind.GITHUB, TrackerKind.GITLAB):
        names = {"github": "X-GitHub-Delivery", "gitlab": "Idempotency-Key or X-Gitlab-Event-UUID"}
        raise WebhookRefused(f"The delivery has no {names[tracker.kind]}.", status=400)
    event = adapter.parse_webhook(headers, payload)
    with transaction.atomic():
        if delivery:
            try:
                with transaction.atomic():
                    WebhookReceipt.objects.create(tracker=tracker, delivery_id=delivery)
            except IntegrityError as error:
                raise WebhookRefused(
                    f"Delivery {delivery} was received before: a replay.", status=409
                ) from error
        if event is None:
            return WebhookOutcome(202, "Not an issue event; ignored.")
        links = TicketLink.objects.filter(tracker=tracker, number=event.number).exclude(
            state__in=[LinkState.PENDING, LinkState.FAILED]
        )
        outcome = WebhookOutcome(200, "")
        for link in links:
            if _apply(link, closed=event.closed, status=event.status):
                outcome.changed.append(link.action_id)
            outcome.detail = f"Ticket {link.key} is {'closed' if event.closed else 'open'}."
        if not outcome.detail:
            return WebhookOutcome(202, f"No action item is linked to ticket {event.number}; ignored.")
        return outcome


# ---------------------------------------------------------------- reconcile


# A closed ticket is fetched at most this often (an open one at every run), and only for
# TICKETS_RECHECK_CLOSED_DAYS after it closed: reopening is rarer than closing, and old tickets
# that are reopened have their webhook; this only catches a missed one.
RECHECK_CLOSED_EVERY = timedelta(hours=1)


def _reconcile_due(*, now: datetime, limit: int) -> QuerySet[TicketLink]:
    """The links the next reconcile fetches, least recently synced first, at most `limit`.

    Every open ticket; a closed one if it closed within TICKETS_RECHECK_CLOSED_DAYS and was not
    synced within RECHECK_CLOSED_EVERY. A link that was never synced comes first.
    """
    due = Q(state=LinkState.OPEN)
    days = int(hindsight_setting("TICKETS_RECHECK_CLOSED_DAYS"))
    if days > 0:
        due |= (
            Q(state=LinkState.CLOSED, closed_at__gte=now - timedelta(days=days))
            & (Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=now - RECHECK_CLOSED_EVERY))
        )  # fmt: skip
    return (
        TicketLink.objects.filter(due, tracker__active=True, action__deleted_at__isnull=True)
        .select_related("tracker")
        .order_by(F("last_synced_at").asc(nulls_first=True), "pk")[:limit]
    )


def _tracker_wide(error: TrackerError) -> bool:
    """Whether a failed fetch says the tracker is down or refusing us, not that one ticket is gone."""
    return error.retryable or error.status in (401, 403)


def tickets_reconcile(*, limit: int = 500) -> dict[str, int]:
    """Fetch tickets' states in case a webhook was missed (at most `limit` requests); forget old
    deliveries.

    Open tickets are fetched every run, recently closed ones now and then (`_reconcile_due`):
    a closed ticket found open again reopens its item exactly as the "reopened" webhook does. A ticket
    that cannot be fetched is counted as failed and the run goes on; after a failure that concerns
    the whole tracker (no answer, 5xx, 429, a refused token) that tracker's other links wait for
    the next run instead of each waiting for the same timeout.
    """
    checked = changed = failed = skipped = 0
    down: set[int] = set()
    for link in _reconcile_due(now=timezone.now(), limit=limit):
        if link.tracker_id in down:
            skipped += 1
            continue
        try:
            remote = adapter_for(link.tracker).get(link.number)
        except TrackerError as error:
            failed += 1
            if _tracker_wide(error):
                down.add(link.tracker_id)
            logger.warning("ticket %s (%s) not reconciled: %s", link.key, link.tracker.name, error)
            continue
        try:
            changed += ticket_state_apply(link=link, closed=remote.closed, status=remote.status)
        except ValidationError as error:  # the item refused the change; the others go on
            failed += 1
            logger.warning("ticket %s: its action item refused the tracker's state: %s", link.key, error)
            continue
        checked += 1
    WebhookReceipt.objects.filter(received_at__lt=timezone.now() - RECEIPTS_KEPT).delete()
    return {"checked": checked, "changed": changed, "failed": failed, "skipped": skipped}


# ---------------------------------------------------------------- what a ticket says


def ticket_draft(link: TicketLink) -> TicketDraft:
    action = link.action
    incident = action.incident
    try:
        path = reverse("incident-detail", args=[incident.reference]) + f"#action-{action.pk}"
    except NoReverseMatch:  # pages not mounted: the API's address still names the item
        path = f"/api/v1/actions/{action.pk}/"
    owner = action.owner.get_username() if action.owner else "nobody"
    return TicketDraft(
        title=action.title[:250],
        text=action.description or "",
        link_text=f"{incident.reference}: {incident.title}",
        link_url=absolute_url(path),
        facts=f"Priority {action.priority} · due {action.due_date:%Y-%m-%d} · owner {owner}",
        labels=link.tracker.label_list,
        marker=link.marker,
    )
