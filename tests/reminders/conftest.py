"""Reminder test helpers: a fixed clock and people with known timezones and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from incidents.models import Profile
from incidents.reminders.models import Delivery, Notification, Reminder

# A Wednesday at 10:00 UTC: working hours in UTC, so quiet hours do not get in the way.
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def set_profile(
    user: Any,
    *,
    tz: str = "UTC",
    start: time | None = time(20),
    end: time | None = time(8),
    weekends: bool = True,
) -> Any:
    Profile.objects.filter(user=user).update(
        timezone=tz, quiet_hours_start=start, quiet_hours_end=end, quiet_weekends=weekends
    )
    user.refresh_from_db()
    if hasattr(user, "_profile_cache"):
        del user._profile_cache
    return user


def notified(user: Any, *, digest: bool = False) -> list[str]:
    """Return the titles of the user's in-app notifications, oldest first (digests left out)."""
    qs = Notification.objects.filter(recipient=user)
    if not digest:
        qs = qs.exclude(rule="weekly_digest")
    return list(qs.order_by("created_at", "id").values_list("title", flat=True))


def reminder_rules(user: Any) -> list[str]:
    return sorted(Reminder.objects.filter(recipient=user).values_list("rule", flat=True))


def sent(channel: str) -> int:
    return Delivery.objects.filter(channel=channel, status="sent").count()


@pytest.fixture
def now() -> datetime:
    return WEDNESDAY
