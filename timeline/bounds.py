"""The range of times Hindsight records and accepts, shared by the services, forms and queries.

- A recorded time (a timeline entry, an incident milestone) is from 1970 on; each service also
  refuses one in the future. The services apply it, so the API, the pages and imports share it
  (`-99999999m` once made an entry dated 1836; an incident could start in year 1).
- A time typed into a filter or a cursor (`?before=`, `?since=`) is between 1970 and 2999, and
  must survive conversion to UTC: `0001-01-01T00:00:00+14:00` does not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
# How far ahead of this server's clock a given time may be (the client's clock may run fast).
CLOCK_SKEW = timedelta(minutes=5)


def too_early(value: datetime) -> str | None:
    """Return the error for an aware time before EARLIEST, else None."""
    if value < EARLIEST:
        return (
            f"Give a time from {EARLIEST:%Y-%m-%d} on; {value:%Y-%m-%d} is before anything Hindsight keeps."
        )
    return None


def moment_error(value: Any, *, what: str = "This time") -> str | None:
    """Return why `value` cannot be a recorded moment, else None: it must be an aware datetime,
    no later than now (give or take CLOCK_SKEW) and not before EARLIEST. `what` names it."""
    if not isinstance(value, datetime):
        return "Give a date and time."
    if timezone.is_naive(value):
        return "Give a time with its timezone."
    if value > timezone.now() + CLOCK_SKEW:
        return f"{what} cannot be in the future."
    return too_early(value)


def range_error(value: date | datetime) -> str | None:
    """Return the error for a date, or an aware time, outside EARLIEST…LATEST, else None."""
    if isinstance(value, datetime):
        try:
            outside = not EARLIEST <= value.astimezone(UTC) <= LATEST
        except (OverflowError, ValueError):
            outside = True
    else:
        outside = not EARLIEST.date() <= value <= LATEST.date()
    if outside:
        return f"Give a time between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}."
    return None
