"""Public status page subscribers: double opt-in, one-click unsubscribe, rate-limited sign-ups."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.conf import hindsight_setting
from incidents.jobs import job_enqueue

from .emails import CONFIRM_SALT, UNSUBSCRIBE_SALT
from .models import StatusSubscriber, new_token

logger = logging.getLogger(__name__)
CONFIRM_JOB = "broadcasts.confirm_subscriber"


class RateLimited(Exception):
    """Too many sign-ups for one address (or from one client) in the window."""


def _hit(key: str, limit: int, window: timedelta) -> bool:
    """Count one attempt under `key`; return False once `limit` is passed within `window`."""
    try:
        cache.add(key, 0, timeout=int(window.total_seconds()))
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 — a cache outage must not stop sign-ups (as for API throttles)
        logger.warning("cache unavailable; status sign-up not rate limited", exc_info=True)
        return True
    return int(count) <= limit


def _clean_email(email: object) -> str:
    if not isinstance(email, str) or not email.strip():
        raise ValidationError({"email": "Enter your email address."})
    clean = email.strip()
    if len(clean) > 254:
        raise ValidationError({"email": "Enter a valid email address."})
    try:
        validate_email(clean)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid email address."}) from error
    local, _, domain = clean.rpartition("@")
    return f"{local}@{domain.lower()}"


def status_subscribe(*, email: object, client: str = "") -> None:
    """Ask for status emails: send a confirmation link (the same answer whether or not known)."""
    address = _clean_email(email)
    window: timedelta = hindsight_setting("STATUS_SUBSCRIBE_WINDOW")
    digest = hashlib.sha256(address.lower().encode()).hexdigest()
    if not _hit(
        f"status-subscribe:address:{digest}", hindsight_setting("STATUS_SUBSCRIBE_PER_ADDRESS"), window
    ):
        raise RateLimited("Too many requests for this address; try again later.")
    if client and not _hit(
        f"status-subscribe:client:{client}", hindsight_setting("STATUS_SUBSCRIBE_PER_CLIENT"), window
    ):
        raise RateLimited("Too many requests; try again later.")
    with transaction.atomic():
        subscriber = StatusSubscriber.objects.filter(email__iexact=address).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = StatusSubscriber.objects.create(email=address)
            except IntegrityError:
                subscriber = StatusSubscriber.objects.get(email__iexact=address)
        if subscriber.confirmed_at is not None:
            return  # already receiving updates: nothing to confirm, and nothing revealed
        job_enqueue(name=CONFIRM_JOB, kwargs={"subscriber_id": subscriber.pk})


def status_subscribe_confirm(*, token: str) -> StatusSubscriber:
    """Confirm the address a signed link names; ValidationError when tampered with or expired."""
    max_age: timedelta = hindsight_setting("STATUS_CONFIRM_MAX_AGE")
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ValidationError("This confirmation link has expired; subscribe again.") from error
    except signing.BadSignature as error:
        raise ValidationError("This confirmation link is not valid.") from error
    subscriber = StatusSubscriber.objects.filter(pk=data.get("s"), email=data.get("e")).first()
    if subscriber is None:
        raise ValidationError("This subscription no longer exists; subscribe again.")
    StatusSubscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    subscriber.refresh_from_db()
    return subscriber


def _unsigned(signed_token: str) -> str:
    try:
        return signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(signed_token)
    except signing.BadSignature as error:
        raise ValidationError(
            "This unsubscribe link is not valid; use the one in your latest email."
        ) from error


def status_subscriber_for_token(signed_token: str) -> StatusSubscriber | None:
    """Return the subscriber a signed unsubscribe link names (None once gone); ValidationError if forged."""
    return StatusSubscriber.objects.filter(token=_unsigned(signed_token)).first()


def status_unsubscribe(*, token: str) -> bool:
    """Remove the address a signed unsubscribe link names; True if there was one."""
    deleted, _ = StatusSubscriber.objects.filter(token=_unsigned(token)).delete()
    return bool(deleted)


__all__ = [
    "RateLimited",
    "new_token",
    "status_subscribe",
    "status_subscribe_confirm",
    "status_subscriber_for_token",
    "status_unsubscribe",
]
