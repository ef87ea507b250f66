"""A movable clock for writing a back-dated history through the real services.

The demo must look like months of use: system events, audit records, status-update times, due
dates and completion times all come from `django.utils.timezone.now()` inside the services. Rather
than bypass the services (and their rules), the loader moves this clock to each moment of the story.
Only `load_demo` uses it, in one thread, and it refuses to move into the future.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

from django.utils import timezone


class DemoClock:
    def __init__(self, real_now: datetime) -> None:
        self.real_now = real_now
        self.current = real_now

    def set(self, moment: datetime) -> datetime:
        if moment > self.real_now:
            raise ValueError(f"The demo story cannot happen in the future ({moment.isoformat()}).")
        self.current = moment
        return moment

    def now(self) -> datetime:
        return self.current


@contextmanager
def demo_clock() -> Iterator[DemoClock]:
    """Patch `timezone.now` (which `timezone.localdate` and model defaults also go through)."""
    clock = DemoClock(timezone.now())
    with mock.patch("django.utils.timezone.now", clock.now):
        yield clock
