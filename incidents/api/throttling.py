"""Throttles for the API: anonymous callers by address, signed-in callers per token (or per user).

DRF's stock throttles keep, per caller, the list of every request time within the rate's period and
read and rewrite that whole list on each request: at "100000/hour" a busy script's list holds up to
100,000 floats, pickled twice per request. These count requests per fixed window instead: one atomic
increment per request, whatever the rate, on any Django cache (per process by default; a shared
Redis cache with CACHE_URL makes one budget for every worker and host).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from incidents.models import ApiToken

logger = logging.getLogger(__name__)

# What a cache that is down or unreachable raises (Django's Redis cache uses redis-py).
CACHE_ERRORS = (RedisError, OSError)
_last_warning = 0.0


def _cache_unavailable() -> None:
    """Log that the cache failed (Redis down or unreachable), at most once a minute per process."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("Cache unavailable; API throttle counts are not kept.", exc_info=True)


class WindowCountThrottle(SimpleRateThrottle):
    """At most `num_requests` per caller in each window of `duration` seconds (windows are aligned
    to the clock, so a caller can spend one window's budget at its end and the next at the start)."""

    num_requests: int | None  # set from the rate by SimpleRateThrottle.__init__
    duration: int | None
    window_end: float = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        assert self.duration is not None
        assert self.num_requests is not None
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        try:
            count = self._count(f"{self.key}:{window}")
        except CACHE_ERRORS:
            # The shared cache is down (CACHE_URL's Redis stopped): a limit that cannot be counted
            # lets requests through rather than failing every one of them.
            _cache_unavailable()
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        assert self.duration is not None
        try:
            return int(self.cache.incr(key))
        except ValueError:  # first request of this window (or the count expired)
            # add() is atomic: of two first requests racing here, one creates the count and the
            # other increments it.
            return 1 if self.cache.add(key, 1, self.duration + 1) else int(self.cache.incr(key))

    def wait(self) -> float | None:
        return max(self.window_end - self.now, 0.0)


class AnonWindowThrottle(WindowCountThrottle, AnonRateThrottle):
    """Rate `anon`, per client address, for callers who are not signed in."""


class TokenRateThrottle(WindowCountThrottle, UserRateThrottle):
    """Rate `user`, counted per API token, so one runaway script does not lock out its owner's other
    tokens or browser session; session requests count per user."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonWindowThrottle handles these
        token = request.auth
        ident = f"token-{token.pk}" if isinstance(token, ApiToken) else f"user-{request.user.pk}"
        return str(self.cache_format % {"scope": self.scope, "ident": ident})
