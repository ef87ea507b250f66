"""API throttling: a budget per token (per user for sessions) and per address for anonymous callers,
counted in fixed windows with one cache increment per request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from incidents.api.throttling import AnonWindowThrottle, TokenRateThrottle, WindowCountThrottle

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The throttles' clock, 10 s into a minute."""
    clock = Clock(1_800_000_010.0)
    monkeypatch.setattr(WindowCountThrottle, "timer", clock)
    return clock


@pytest.fixture
def tight_rates(clock: Clock) -> Iterator[None]:
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"}}
    cache.clear()
    with override_settings(REST_FRAMEWORK=rest):
        # DRF reads rates at class definition; point the throttles at the overridden ones.
        old = (AnonWindowThrottle.THROTTLE_RATES, TokenRateThrottle.THROTTLE_RATES)
        AnonWindowThrottle.THROTTLE_RATES = TokenRateThrottle.THROTTLE_RATES = rest["DEFAULT_THROTTLE_RATES"]
        yield
        AnonWindowThrottle.THROTTLE_RATES, TokenRateThrottle.THROTTLE_RATES = old
    cache.clear()


class TestThrottling:
    def test_each_token_has_its_own_budget(self, tight_rates: Any, client_as: Any, owner: Any) -> None:
        script, other_script = client_as(owner), client_as(owner)

        codes = [script.get("/api/v1/me/").status_code for _ in range(4)]

        assert codes == [200, 200, 200, 429]
        assert other_script.get("/api/v1/me/").status_code == 200

    def test_a_browser_session_counts_per_user(self, tight_rates: Any, owner: Any, viewer: Any) -> None:
        olivia, vera = APIClient(), APIClient()
        olivia.force_login(owner)
        vera.force_login(viewer)

        codes = [olivia.get("/api/v1/me/").status_code for _ in range(4)]

        assert codes == [200, 200, 200, 429]
        assert vera.get("/api/v1/me/").status_code == 200

    def test_anonymous_callers_are_throttled(self, tight_rates: Any) -> None:
        # The schema is the one API resource open to anonymous callers.
        codes = [APIClient().get("/api/v1/schema/").status_code for _ in range(3)]

        assert codes == [200, 200, 429]

    def test_a_refusal_says_when_to_retry_and_the_next_window_has_a_fresh_budget(
        self, tight_rates: Any, clock: Clock, client_as: Any, owner: Any
    ) -> None:
        client = client_as(owner)
        for _ in range(3):
            client.get("/api/v1/me/")

        refused = client.get("/api/v1/me/")

        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"  # the minute's window ends 50 s later
        assert "detail" in refused.json()
        clock.now += 49
        assert client.get("/api/v1/me/").status_code == 429
        clock.now += 1
        assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]

    def test_refused_requests_change_nothing(self, tight_rates: Any, client_as: Any, owner: Any) -> None:
        client = client_as(owner)
        for _ in range(3):
            client.get("/api/v1/me/")

        response = client.patch("/api/v1/me/", {"timezone": "Europe/Paris"}, format="json")

        assert response.status_code == 429
        owner.profile.refresh_from_db()
        assert owner.profile.timezone == "UTC"

    def test_the_count_is_one_cache_entry_per_caller_and_window(
        self, tight_rates: Any, clock: Clock, client_as: Any, owner: Any
    ) -> None:
        # DRF's stock throttle keeps a list of every request time; this keeps one integer, so a
        # request costs the same whether the caller has made 3 requests this hour or 100,000.
        client = client_as(owner)
        for _ in range(5):
            client.get("/api/v1/me/")

        token_id = owner.api_tokens.get().pk
        window = int(clock.now // 60)
        assert cache.get(f"throttle_user_token-{token_id}:{window}") == 5


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as in CI")
def test_workers_sharing_a_redis_cache_share_one_budget(tight_rates: Any, client_as: Any, owner: Any) -> None:
    """With CACHE_URL every worker counts in the same Redis key: the budget is per caller, not per
    process. Two cache connections stand for two workers."""
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": f"hindsight-test-{uuid.uuid4().hex}",  # never clears anything shared
    }
    client = client_as(owner)
    with override_settings(CACHES={"default": redis_cache}):
        from django.core.cache import caches

        first = [client.get("/api/v1/me/").status_code for _ in range(2)]
        caches["default"].close()  # the "second worker" connects afresh
        second = [client.get("/api/v1/me/").status_code for _ in range(2)]
        token_id = owner.api_tokens.get().pk
        window = int(WindowCountThrottle.timer() // 60)
        count = caches["default"].get(f"throttle_user_token-{token_id}:{window}")

    assert first + second == [200, 200, 200, 429]
    assert count == 4


def test_a_cache_that_is_down_lets_requests_through(
    tight_rates: Any, client_as: Any, owner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Throttling protects the service; with the shared cache down (CACHE_URL's Redis stopped) it
    must not be what fails every API request. Nothing is counted then: the requests pass."""
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
    client = client_as(owner)
    with override_settings(CACHES={"default": unreachable, "responses": unreachable}):
        codes = [client.get("/api/v1/me/").status_code for _ in range(5)]
        declared = {"title": "Cache down", "severity": "SEV3"}
        written = client.post("/api/v1/incidents/", declared, format="json")

    assert codes == [200] * 5
    assert written.status_code == 201
    assert "cache unavailable" in caplog.text.lower()


def test_a_cache_that_hangs_costs_each_call_its_timeout_not_the_request(
    tight_rates: Any, client_as: Any, owner: Any
) -> None:
    """A Redis that accepts connections and never answers (hung, or a network that drops replies):
    each cache call gives up after the settings' timeout and the request goes on. The alarm only
    keeps a regression from hanging the suite; the timeouts themselves are checked below."""
    from config.settings.base import REDIS_CACHE_OPTIONS

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections are accepted by the kernel; nothing ever replies
    hung = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
        "OPTIONS": REDIS_CACHE_OPTIONS,
    }

    def waited_for_ever(signum: int, frame: Any) -> None:
        raise TimeoutError("a request waited 60 s on a cache that does not answer")

    client = client_as(owner)
    previous = signal.signal(signal.SIGALRM, waited_for_ever)
    signal.alarm(60)
    try:
        with override_settings(CACHES={"default": hung, "responses": hung}):
            read = client.get("/api/v1/incidents/")
            declared = {"title": "Cache hung", "severity": "SEV3"}
            written = client.post("/api/v1/incidents/", declared, format="json")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        silent.close()

    assert read.status_code == 200
    assert written.status_code == 201


def test_with_cache_url_the_cache_gives_up_after_half_a_second() -> None:
    """What the settings make of CACHE_URL (read in a fresh process, as a worker starts): the
    throttle counts are in that Redis, each call bounded by the timeouts."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({alias: [c['BACKEND'], c['LOCATION'], c['OPTIONS']] "
        "for alias, c in settings.CACHES.items()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "CACHE_URL": "redis://127.0.0.1:6379/9",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    caches_config = json.loads(out.stdout.strip().splitlines()[-1])

    assert set(caches_config) == {"default"}
    for backend, location, options in caches_config.values():
        assert backend == "django.core.cache.backends.redis.RedisCache"
        assert location == "redis://127.0.0.1:6379/9"
        assert options == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
