"""Parse the times responders type in the quick-add box.

Accepted, in the user's timezone: "" or "now"; "14:05" (today, or yesterday if that would be in
the future); "-10m", "-2h", "-1h30m", "-90s"; "yesterday 23:50"; "today 09:15"; "2026-11-23 14:05";
and ISO 8601 with an offset ("2026-11-23T14:05:00+01:00", "...Z").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from timeline.bounds import CLOCK_SKEW

# A clock time further ahead of now than the clock skew the services allow is read as yesterday's
# (incidents cross midnight).

_CLOCK = r"(?P<hour>[01]?\d|2[0-3])[:.h](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
_RELATIVE = re.compile(r"^-\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*(?:(?P<s>\d+)\s*s)?$")
_CLOCK_ONLY = re.compile(rf"^{_CLOCK}$")
_DAY_CLOCK = re.compile(rf"^(?P<day>yesterday|today)\s+{_CLOCK}$")
_DATE_CLOCK = re.compile(rf"^(?P<date>\d{{4}}-\d{{2}}-\d{{2}})[ T]{_CLOCK}$")


class TimeParseError(ValueError):
    pass


def _localise(day: date, clock: time, tz: tzinfo) -> datetime:
    """Read a wall-clock time in `tz` and return it in UTC, refusing times that a DST change skips.

    An autumn time that happens twice means its first occurrence (fold=0). The result is in UTC
    because an aware datetime inside the repeated hour never compares equal to one in another zone
    (PEP 495), which would make an unchanged time look edited.
    """
    naive = datetime.combine(day, clock)
    in_utc = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # A wall time in a spring-forward gap does not survive a round trip through UTC.
    if in_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise TimeParseError(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz} (clocks moved forward).")
    return in_utc


def _clock(match: re.Match[str]) -> time:
    return time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))


def parse_quick_time(text: str | None, *, now: datetime, tz: tzinfo) -> datetime:
    """Return the aware datetime (in UTC) `text` means, read in `tz`, relative to `now` (aware).

    A time that cannot be represented (`-999999999999999999999h`, `0001-01-01T00:00:00+14:00`)
    is a TimeParseError like any unreadable text; whether a readable time is in the allowed range
    is the services' rule (`check_time_range`).
    """
    try:
        return _parse(text, now=now, tz=tz)
    except TimeParseError:
        raise
    except (OverflowError, ValueError) as error:
        raise TimeParseError(f"{(text or '').strip()!r} is too far in the past or the future.") from error


def _parse(text: str | None, *, now: datetime, tz: tzinfo) -> datetime:
    value = (text or "").strip().lower()
    if value in ("", "now"):
        return now.astimezone(UTC)
    local_now = now.astimezone(tz)

    relative = _RELATIVE.match(value)
    if relative and any(relative.group(g) for g in ("h", "m", "s")):
        delta = timedelta(
            hours=int(relative["h"] or 0), minutes=int(relative["m"] or 0), seconds=int(relative["s"] or 0)
        )
        return (now - delta).astimezone(UTC)

    clock_only = _CLOCK_ONLY.match(value)
    if clock_only:
        result = _localise(local_now.date(), _clock(clock_only), tz)
        if result > now + CLOCK_SKEW:
            result = _localise(local_now.date() - timedelta(days=1), _clock(clock_only), tz)
        return result

    day_clock = _DAY_CLOCK.match(value)
    if day_clock:
        day = local_now.date() - timedelta(days=1 if day_clock["day"] == "yesterday" else 0)
        return _localise(day, _clock(day_clock), tz)

    date_clock = _DATE_CLOCK.match(value)
    if date_clock:
        try:
            day = date.fromisoformat(date_clock["date"])
        except ValueError as error:
            raise TimeParseError(f"{date_clock['date']} is not a date.") from error
        return _localise(day, _clock(date_clock), tz)

    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T", 1))
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            return _localise(parsed.date(), parsed.time(), tz)
        return parsed.astimezone(UTC)
    raise TimeParseError(
        f"Cannot read {text!r} as a time. Try 14:05, -10m, yesterday 23:50 or 2026-11-23 14:05."
    )
