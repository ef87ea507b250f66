"""Sending deliveries: claim with compare-and-set, send, record; retry failures with backoff.

A delivery moves pending → sending (claimed by one worker, with a lease) → sent, or back to
pending with a later `next_attempt_at` after a failure, or failed once the attempts run out.
In-app notifications are written in the same transaction that marks the delivery sent, so they
exist exactly once. An email or webhook whose worker died mid-send (lease expired while
"sending") is recorded as failed and not retried: it may have gone out, and a second copy is
worse than a reminder lost to a crash (that recipient still has the in-app notification).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Q

from incidents.conf import hindsight_setting
from incidents.reminders import render
from incidents.reminders.models import Channel, Delivery, DeliveryStatus, Notification, Webhook
from incidents.reminders.services import notification_row, snooze_token
from incidents.signatures import hmac_sha256_hex

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hindsight-Signature"


def sign(body: bytes, secret: str) -> str:
    """Return the signature header value for a webhook body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac_sha256_hex(body=body, secret=secret)


@dataclass
class SendReport:
    sent: Counter[str] = field(default_factory=Counter)
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0
    lines: list[str] = field(default_factory=list)

    def merge(self, other: SendReport) -> None:
        self.sent.update(other.sent)
        self.retrying += other.retrying
        self.failed += other.failed
        self.interrupted += other.interrupted
        self.lines.extend(other.lines)


def recover_interrupted(*, now: datetime) -> int:
    """Settle deliveries whose worker vanished mid-send (their lease has expired)."""
    expired = Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
    # In-app writes were rolled back with the worker's transaction: safe to try again.
    Delivery.objects.filter(expired, channel=Channel.IN_APP).update(
        status=DeliveryStatus.PENDING, claim_token=None, claimed_until=None
    )
    return Delivery.objects.filter(expired).update(
        status=DeliveryStatus.FAILED,
        claim_token=None,
        last_error="Interrupted while sending; not retried because it may have been delivered.",
    )


def _claim(*, now: datetime, size: int, channel: str, reminder_ids: Iterable[int] | None) -> list[Delivery]:
    """Take up to `size` due deliveries of one channel for this worker, or none."""
    lease: timedelta = hindsight_setting("REMINDER_SEND_LEASE")
    token = uuid.uuid4()
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, channel=channel, next_attempt_at__lte=now)
    if reminder_ids is not None:
        due = due.filter(reminder_id__in=list(reminder_ids))
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Concurrent sweeps take different rows instead of queueing behind each other.
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:size])
        if not ids:
            return []
        # The compare-and-set: only rows still pending become ours.
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_until=now + lease,
            attempts=F("attempts") + 1,
        )
    return list(
        Delivery.objects.filter(claim_token=token, status=DeliveryStatus.SENDING)
        .select_related("reminder__recipient__profile")
        .order_by("id")
    )


def _mark_sent(deliveries: list[Delivery], *, now: datetime) -> int:
    if not deliveries:
        return 0
    tokens = {delivery.claim_token for delivery in deliveries}
    return Delivery.objects.filter(
        pk__in=[delivery.pk for delivery in deliveries], claim_token__in=tokens, status=DeliveryStatus.SENDING
    ).update(status=DeliveryStatus.SENT, sent_at=now, claimed_until=None, last_error="")


def _mark_failed(delivery: Delivery, error: str, *, now: datetime, report: SendReport) -> None:
    """Schedule another attempt with exponential backoff, or give up and record why."""
    max_attempts: int = hindsight_setting("REMINDER_MAX_ATTEMPTS")
    base: timedelta = hindsight_setting("REMINDER_RETRY_BACKOFF")
    ceiling: timedelta = hindsight_setting("REMINDER_RETRY_BACKOFF_MAX")
    mine = Delivery.objects.filter(
        pk=delivery.pk, claim_token=delivery.claim_token, status=DeliveryStatus.SENDING
    )
    if delivery.attempts >= max_attempts:
        mine.update(status=DeliveryStatus.FAILED, last_error=error[:2000], claimed_until=None)
        report.failed += 1
        logger.error("gave up on %s after %s attempts: %s", delivery, delivery.attempts, error)
        return
    delay = min(base * (2 ** (delivery.attempts - 1)), ceiling)
    mine.update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now + delay,
        last_error=error[:2000],
        claim_token=None,
        claimed_until=None,
    )
    report.retrying += 1
    logger.warning("%s failed (attempt %s), retrying in %s: %s", delivery, delivery.attempts, delay, error)


def _line(delivery: Delivery) -> str:
    reminder = delivery.reminder
    target = f" ({delivery.target})" if delivery.target else ""
    return (
        f"{reminder.rule} → {reminder.recipient.get_username()} via {delivery.channel}{target}: "
        f"{render.headline(reminder.rule, reminder.context)}"
    )


def _send_in_app(deliveries: list[Delivery], *, now: datetime, report: SendReport) -> None:
    with transaction.atomic():
        notifications = [
            Notification(
                delivery=delivery,
                **notification_row(
                    rule=delivery.reminder.rule,
                    context=delivery.reminder.context,
                    reminder_id=delivery.reminder_id,
                    recipient_id=delivery.reminder.recipient_id,
                    incident_id=delivery.reminder.incident_id,
                    now=now,
                ),
            )
            for delivery in deliveries
        ]
        # A notification already written for the reminder (unique) makes this a no-op, not a copy.
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        _mark_sent(deliveries, now=now)
    report.sent[Channel.IN_APP] += len(deliveries)
    report.lines.extend(_line(delivery) for delivery in deliveries)


def _send_email(deliveries: list[Delivery], *, now: datetime, report: SendReport) -> None:
    sent: list[Delivery] = []
    links = render.email_links()
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 — an unreachable mail server fails the batch, to retry
        # Opening the connection is part of sending: every claimed email backs off and retries,
        # rather than the exception aborting the sweep and stranding the claim.
        for delivery in deliveries:
            _mark_failed(delivery, f"{type(error).__name__}: {error}", now=now, report=report)
        return
    with mail:
        for delivery in deliveries:
            reminder = delivery.reminder
            try:
                message = render.email_message(reminder, snooze_token=snooze_token(reminder), links=links)
                email = EmailMultiAlternatives(
                    subject=message.subject,
                    body=message.text,
                    to=[reminder.recipient.email],
                    connection=mail,
                    # Stable per delivery, so a mail system can drop a duplicate of a crashed send.
                    headers={"Message-ID": f"<reminder-{delivery.pk}@hindsight>"},
                )
                email.attach_alternative(message.html, "text/html")
                email.send()
            except Exception as error:  # noqa: BLE001 — SMTP errors of every kind are retried
                _mark_failed(delivery, f"{type(error).__name__}: {error}", now=now, report=report)
            else:
                sent.append(delivery)
    _mark_sent(sent, now=now)
    report.sent[Channel.EMAIL] += len(sent)
    report.lines.extend(_line(delivery) for delivery in sent)


def _webhook_endpoint(target: str, hooks: dict[str, Webhook]) -> tuple[str, str] | None:
    if target == "global":
        url: str = hindsight_setting("REMINDER_WEBHOOK_URL")
        return (url, hindsight_setting("REMINDER_WEBHOOK_SECRET")) if url else None
    hook = hooks.get(target)
    return (hook.url, hook.secret) if hook is not None and hook.active else None


def webhook_post(url: str, payload: dict[str, object], *, secret: str, delivery_id: int | None = None) -> int:
    """POST the payload as JSON with its signature; return the status, raise on failure."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Hindsight-Reminders"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    if delivery_id is not None:
        headers["X-Hindsight-Delivery"] = str(delivery_id)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"Webhook URL must be http(s): {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout: float = hindsight_setting("REMINDER_WEBHOOK_TIMEOUT")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — scheme checked above
        return int(response.status)


def _send_webhook(deliveries: list[Delivery], *, now: datetime, report: SendReport) -> None:
    hooks = {str(hook.pk): hook for hook in Webhook.objects.all()}
    sent: list[Delivery] = []
    for delivery in deliveries:
        endpoint = _webhook_endpoint(delivery.target, hooks)
        if endpoint is None:
            Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
                status=DeliveryStatus.SKIPPED, last_error="Webhook no longer configured.", claimed_until=None
            )
            continue
        try:
            webhook_post(
                endpoint[0],
                render.webhook_payload(delivery.reminder),
                secret=endpoint[1],
                delivery_id=delivery.pk,
            )
        except (urllib.error.URLError, OSError, ValueError) as error:
            _mark_failed(delivery, f"{type(error).__name__}: {error}", now=now, report=report)
        else:
            sent.append(delivery)
    _mark_sent(sent, now=now)
    report.sent[Channel.WEBHOOK] += len(sent)
    report.lines.extend(_line(delivery) for delivery in sent)


SENDERS: dict[str, Callable[..., None]] = {
    Channel.IN_APP: _send_in_app,
    Channel.EMAIL: _send_email,
    Channel.WEBHOOK: _send_webhook,
}
# In-app writes are cheap; external sends are claimed in smaller batches so a crash strands few.
CLAIM_SIZE: dict[str, int] = {Channel.IN_APP: 1000, Channel.EMAIL: 100, Channel.WEBHOOK: 50}


EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK)


def deliveries_send_due(
    *,
    now: datetime,
    reminder_ids: Iterable[int] | None = None,
    channels: Iterable[str] = tuple(SENDERS),
    max_batches: int | None = None,
) -> SendReport:
    """Send the deliveries due by `now` (only those of `reminder_ids` and `channels` when given).

    `max_batches` bounds the work per channel (a worker task takes one batch at a time).
    """
    report = SendReport()
    report.interrupted = recover_interrupted(now=now)
    ids = list(reminder_ids) if reminder_ids is not None else None
    for channel in channels:
        batches = 0
        while max_batches is None or batches < max_batches:
            claimed = _claim(now=now, size=CLAIM_SIZE[channel], channel=channel, reminder_ids=ids)
            if not claimed:
                break
            SENDERS[channel](claimed, now=now, report=report)
            batches += 1
    return report


def external_batches_due(*, now: datetime) -> dict[str, int]:
    """Return how many claim-sized batches of email and webhook deliveries are due, per channel."""
    counts = dict(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, channel__in=EXTERNAL_CHANNELS, next_attempt_at__lte=now
        )
        .values_list("channel")
        .annotate(count=Count("id"))
        .values_list("channel", "count")
    )
    return {channel: -(-counts[channel] // CLAIM_SIZE[channel]) for channel in counts}
