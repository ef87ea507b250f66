"""Recipients' local time: their calendar day, quiet hours and weekends.

All arithmetic is on local wall-clock times converted back to UTC through zoneinfo, so a quiet
night that spans a daylight-saving change still ends at 08:00 local, not ten hours after 20:00.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from timeline.actors import Actor


@lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True)
class QuietHours:
    """A recipient's timezone and when they do not want to be disturbed."""

    timezone: str = "UTC"
    start: time | None = time(20, 0)
    end: time | None = time(8, 0)
    weekends: bool = True

    @classmethod
    def of(cls, user: Actor) -> QuietHours:
        """Return the user's settings (defaults when the profile is missing)."""
        profile = getattr(user, "profile", None) if user is not None else None
        if profile is None:
            return cls()
        return cls(
            timezone=profile.timezone or "UTC",
            start=profile.quiet_hours_start,
            end=profile.quiet_hours_end,
            weekends=profile.quiet_weekends,
        )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return _zone(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def today(self, moment: datetime) -> date:
        """Return the recipient's calendar date at `moment`."""
        return self.local(moment).date()

    def _at(self, day: date, clock: time) -> datetime:
        # A wall time that does not exist (skipped by a spring-forward) is normalised through UTC:
        # 02:30 on such a night becomes 03:30, the first moment of that local hour.
        aware = datetime.combine(day, clock, tzinfo=self.zone)
        return aware.astimezone(UTC).astimezone(self.zone)

    def _in_quiet_hours(self, local: datetime) -> datetime | None:
        """Return when the quiet hours around `local` end, or None if it is not quiet."""
        if self.start is None or self.end is None or self.start == self.end:
            return None
        clock = local.time().replace(tzinfo=None)
        day = local.date()
        if self.start < self.end:  # e.g. 12:00–14:00 on the same day
            if self.start <= clock < self.end:
                return self._at(day, self.end)
            return None
        # Spans midnight, e.g. 20:00–08:00.
        if clock >= self.start:
            return self._at(day + timedelta(days=1), self.end)
        if clock < self.end:
            return self._at(day, self.end)
        return None

    def next_allowed(self, moment: datetime) -> datetime:
        """Return `moment` if a reminder may be delivered then, else when the quiet time ends."""
        local = self.local(moment)
        for _ in range(8):  # a weekend and a night at most; the bound only guards bad data
            if self.weekends and local.weekday() >= 5:
                local = self._at(local.date() + timedelta(days=7 - local.weekday()), time(0, 0))
                continue
            quiet_end = self._in_quiet_hours(local)
            if quiet_end is None:
                break
            local = quiet_end
        result = local.astimezone(UTC)
        return max(result, moment.astimezone(UTC))
