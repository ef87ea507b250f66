"""Outbox job handlers: post one chat delivery, fan out to followers, email status subscribers.

Each handler re-reads the database, exits quietly when its object is gone, and is safe to run
twice: every message has a row with a unique key, claimed with a compare-and-set UPDATE before
it is sent and never sent again once it is `sent`. A failure worth retrying raises
`TransientJobError`, which puts the job back in the outbox and makes the Celery task retry it
with exponential backoff (`hindsight.jobs.run`); after `BROADCAST_MAX_ATTEMPTS` it is given up
and recorded as such.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.conf import hindsight_setting
from incidents.jobs import TransientJobError, job_handler
from incidents.models import Incident, StatusUpdate
from incidents.permissions import can_view_incident
from incidents.reminders.models import Notification

from . import emails
from .models import (
    BroadcastDelivery,
    DeliveryStatus,
    StatusSubscriber,
    Subscription,
    SubscriptionChannel,
    SubscriptionDelivery,
)
from .sending import SendFailure, send
from .services import FOLLOWERS_JOB, SEND_JOB, STATUS_SUBSCRIBERS_JOB, followers_filter

logger = logging.getLogger(__name__)

CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
INTERRUPTED = "Interrupted while sending; not retried because it may have been delivered."
FOLLOW_RULE = "following"


def _max_attempts() -> int:
    return int(hindsight_setting("BROADCAST_MAX_ATTEMPTS"))


@job_handler(SEND_JOB)
def send_broadcast(*, delivery_id: int, **_: Any) -> dict[str, Any]:
    """Post one recorded delivery to its chat channel and log the outcome."""
    delivery = BroadcastDelivery.objects.select_related("channel", "incident").filter(pk=delivery_id).first()
    if delivery is None:
        return {"status": "gone"}
    if delivery.status == DeliveryStatus.SENDING:
        # Its worker died mid-post (the outbox re-ran the job): a second copy is worse than none.
        BroadcastDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, error=INTERRUPTED
        )
        return {"status": DeliveryStatus.FAILED}
    if delivery.status not in CLAIMABLE:
        return {"status": delivery.status}
    if delivery.incident.private and not delivery.allow_private:
        # Made private after the event: it no longer leaves Hindsight.
        BroadcastDelivery.objects.filter(pk=delivery.pk, status__in=CLAIMABLE).update(
            status=DeliveryStatus.SKIPPED, error="The incident is private now."
        )
        return {"status": DeliveryStatus.SKIPPED}
    if not delivery.channel.active:
        BroadcastDelivery.objects.filter(pk=delivery.pk, status__in=CLAIMABLE).update(
            status=DeliveryStatus.SKIPPED, error="The channel is switched off."
        )
        return {"status": DeliveryStatus.SKIPPED}
    now = timezone.now()
    claimed = BroadcastDelivery.objects.filter(pk=delivery.pk, status__in=CLAIMABLE).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now
    )
    if not claimed:
        return {"status": "taken"}
    attempts = delivery.attempts + 1
    mine = BroadcastDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    try:
        code = send(delivery.channel, delivery.message)
    except SendFailure as failure:
        gave_up = not failure.retryable or attempts >= _max_attempts()
        mine.update(
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.RETRYING,
            response_code=failure.response_code,
            error=failure.error[:2000],
        )
        if gave_up:
            logger.error("broadcast %s given up after %s attempts: %s", delivery.pk, attempts, failure)
            raise RuntimeError(f"Gave up after {attempts} attempt(s): {failure.error}") from failure
        raise TransientJobError(f"attempt {attempts} failed: {failure.error}") from failure
    mine.update(status=DeliveryStatus.SENT, response_code=code, error="", sent_at=timezone.now())
    return {"status": DeliveryStatus.SENT, "response_code": code}


def _claim(delivery: SubscriptionDelivery) -> bool:
    return (
        SubscriptionDelivery.objects.filter(pk=delivery.pk, status__in=CLAIMABLE).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1
        )
        == 1
    )


def _settle(delivery: SubscriptionDelivery, error: Exception | None) -> bool:
    """Record the outcome of a claimed email; return True when it should be tried again."""
    mine = SubscriptionDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    if error is None:
        mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), error="")
        return False
    retry = delivery.attempts + 1 < _max_attempts()
    mine.update(
        status=DeliveryStatus.RETRYING if retry else DeliveryStatus.FAILED,
        error=f"{type(error).__name__}: {error}"[:2000],
    )
    return retry


def _send(delivery: SubscriptionDelivery, build: Callable[[], Any]) -> tuple[bool, bool]:
    """Build and send one claimed delivery's email and record how it went: (sent, try again)."""
    try:
        build().send()
    except Exception as error:  # noqa: BLE001 — SMTP errors of every kind are retried
        return False, _settle(delivery, error)
    _settle(delivery, None)
    return True, False


def _delivery(key: str, **defaults: Any) -> SubscriptionDelivery | None:
    """Return the row for `key` (created on first sight) if it still needs sending, else None."""
    delivery, _ = SubscriptionDelivery.objects.get_or_create(key=key, defaults=defaults)
    if delivery.status == DeliveryStatus.SENDING:
        SubscriptionDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, error=INTERRUPTED
        )
        return None
    return delivery if delivery.status in CLAIMABLE else None


@job_handler(FOLLOWERS_JOB)
def notify_followers(
    *,
    incident_id: int,
    event: str,
    event_key: str,
    message: dict[str, Any],
    actor_id: int | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Tell the people following the incident, or one of its services, what happened."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return {"sent": 0}
    follows = Subscription.objects.filter(followers_filter(incident))
    if actor_id is not None:
        follows = follows.exclude(user_id=actor_id)  # the person who made the change knows
    channels: dict[int, set[str]] = defaultdict(set)
    for user_id, channel in follows.values_list("user_id", "channel"):
        channels[user_id].add(channel)
    users = get_user_model().objects.filter(pk__in=channels, is_active=True)
    sent = 0
    retry = False
    for user in users:
        # Checked now, not when the event happened: a follower who cannot see it gets nothing.
        if not can_view_incident(user, incident):
            continue
        for channel in sorted(channels[user.pk]):
            delivery = _delivery(
                f"{event_key}:{event}:user-{user.pk}:{channel}",
                channel=channel,
                user=user,
                incident=incident,
                event=event,
            )
            if delivery is None:
                continue
            if channel == SubscriptionChannel.IN_APP:
                with transaction.atomic():
                    if _claim(delivery):
                        Notification.objects.create(
                            recipient=user,
                            rule=FOLLOW_RULE,
                            incident=incident,
                            title=message["headline"][:300],
                            body=message.get("text", ""),
                            url=message["url"].removeprefix(emails.site_url()),
                            created_at=timezone.now(),
                        )
                        _settle(delivery, None)
                        sent += 1
                continue
            if not user.email or not _claim(delivery):
                continue
            delivered, again = _send(
                delivery, partial(emails.follower_email, user=user, message=message, delivery_id=delivery.pk)
            )
            sent += delivered
            retry = again or retry
    if retry:
        raise TransientJobError("Some follower emails failed; retrying.")
    return {"sent": sent}


@job_handler(STATUS_SUBSCRIBERS_JOB)
def notify_status_subscribers(*, update_id: int, **_: Any) -> dict[str, Any]:
    """Email a public update of a public incident to every confirmed status-page subscriber."""
    from incidents.insights.status import public_incident_get

    update = StatusUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None or update.audience != "public":
        return {"sent": 0}
    # The status page's own rule decides what is public (a private incident never is).
    incident = public_incident_get(reference=update.incident.reference)
    if incident is None:
        return {"sent": 0, "skipped": "not public"}
    sent = 0
    retry = False
    for subscriber in StatusSubscriber.objects.filter(confirmed_at__isnull=False).order_by("pk").iterator():
        delivery = _delivery(
            f"update:{update.pk}:subscriber-{subscriber.pk}",
            channel=SubscriptionChannel.EMAIL,
            subscriber=subscriber,
            incident=incident,
            event="public_update",
        )
        if delivery is None or not _claim(delivery):
            continue
        delivered, again = _send(
            delivery,
            partial(emails.status_update_email, subscriber=subscriber, update=update, incident=incident),
        )
        sent += delivered
        retry = again or retry
    if retry:
        raise TransientJobError("Some subscriber emails failed; retrying.")
    return {"sent": sent}


@job_handler("broadcasts.confirm_subscriber")
def send_confirmation(*, subscriber_id: int, **_: Any) -> dict[str, Any]:
    """Send the double opt-in email with its signed confirmation link."""
    subscriber = StatusSubscriber.objects.filter(pk=subscriber_id, confirmed_at__isnull=True).first()
    if subscriber is None:
        return {"sent": 0}
    try:
        emails.confirmation_email(subscriber=subscriber).send()
    except Exception as error:  # noqa: BLE001 — the outbox retries the whole job
        raise TransientJobError(f"{type(error).__name__}: {error}") from error
    return {"sent": 1}
