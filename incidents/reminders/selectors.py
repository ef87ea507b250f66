"""Reads: a user's notifications and channel preferences (always the caller's own)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from incidents.models import Incident
from incidents.reminders.models import Notification, NotificationPreference, Rule, channels_for
from incidents.services.common import require_user
from timeline.actors import Actor

REDACTED_TITLE = "A reminder about a private incident"


def notification_list(*, user: Actor, unread: bool = False) -> QuerySet[Notification]:
    """Return the user's notifications, newest first, each flagged `can_see` its incident."""
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    visible = Incident.objects.visible_to(user).values("pk")
    qs = Notification.objects.filter(recipient=user).annotate(
        can_see=Case(
            When(Q(incident__isnull=True) | Q(incident__in=visible), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_get(*, user: Actor, pk: Any) -> Notification | None:
    """Return one of the user's notifications, or None (someone else's is None too)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    return notification_list(user=user).select_related("reminder").filter(pk=number).first()


def unread_count(*, user: Actor) -> int:
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def shown(notification: Notification) -> dict[str, str]:
    """Return the title, body and link the user may read (an incident made private since is hidden)."""
    if getattr(notification, "can_see", True):
        return {"title": notification.title, "body": notification.body, "url": notification.url}
    return {"title": REDACTED_TITLE, "body": "", "url": ""}


def preferences_for(*, user: Actor) -> list[dict[str, Any]]:
    """Return each rule with the user's channels (defaults where they chose nothing)."""
    rows = {row.rule: row for row in NotificationPreference.objects.filter(user=require_user(user))}
    return [{"rule": rule, "label": label, **channels_for(rows.get(rule))} for rule, label in Rule.choices]
