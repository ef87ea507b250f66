"""Rendered responses, kept for as long as the database shows the same data.

The incident page and the API's incident list are read far more often than anything changes, and
rendering them is most of their cost. `cached_response` keeps what a view rendered for a user, and
serves it again only while PostgreSQL's current snapshot (`pg_current_snapshot()`) is the one the
response was rendered at:

- Two snapshots with the same text see the same committed data: the same transactions are
  finished, the same are still running.
- Every write anywhere assigns a transaction id, which moves the snapshot on: a service, the admin,
  a Celery task, a data migration, someone in psql. No write path has to remember to invalidate
  anything, and none can forget to.
- The view renders after the snapshot is read, so what is kept may be newer than its snapshot,
  never older; and a snapshot that has moved on never comes back.
- A request whose own transaction has written (it has a transaction id) neither reads nor keeps:
  its own uncommitted rows are not in the snapshot's text.

What else a page depends on is in the key: the user, the path and query, the host and scheme, the
user's timezone and today's date there (overdue badges), htmx requests, the code and templates that
render it. Pending flash messages skip the cache (they must be shown once), and the CSRF token is
put in per request: the page is rendered with a stand-in token, replaced by the requester's own.

One entry per user and page: a page rendered at a newer snapshot replaces the older one, so the
cache does not grow with the rate of writes. Entries expire after RESPONSE_CACHE_TTL seconds.
SQLite has no snapshot to read: there, every request renders.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import django
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ALIAS = "responses"
STATUS_HEADER = "X-Response-Cache"

# Stands for the request's CSRF token in HTML kept past one request: pages kept here (see
# csrf_stand_in) and entries the `timeline_entry` tag remembers. Each request puts its own token in.
# Random per process: text written into an incident cannot guess it.
CSRF_STAND_IN = f"hindsight-csrf-{secrets.token_hex(16)}"

_TOKEN_HANDED_OUT = "CSRF_COOKIE_NEEDS_UPDATE"  # what django.middleware.csrf.get_token sets
_STATE_SQL = "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NOT NULL"

# Files whose content decides how a page renders: a deploy that changes them must not be served
# pages rendered by the code it replaced (old and new processes share the cache while it rolls).
_CODE_DIRS = ("config", "incidents", "timeline", "templates", "static")
_CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".css", ".js", ".svg", ".json"})


class Entry(NamedTuple):
    """A kept 200 response."""

    state: str  # the database snapshot the response was rendered at
    headers: tuple[tuple[str, str], ...]
    content: bytes
    csrf_stand_in: str | None  # the stand-in in `content`, when the page carries a CSRF token


# What a cache that is down or unreachable raises (Django's Redis cache uses redis-py).
CACHE_ERRORS = (RedisError, OSError)
_last_warning = 0.0


def cache_unavailable(what: str) -> None:
    """Log that the cache failed (Redis down or unreachable), at most once a minute per process."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("Cache unavailable (%s); going on without it.", what, exc_info=True)


def enabled() -> bool:
    return bool(settings.RESPONSE_CACHE) and connection.vendor == "postgresql"


def database_state() -> str | None:
    """The current snapshot's text, or None when it does not describe what this request would see."""
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL)
        snapshot, writing = cursor.fetchone()
    return None if writing else str(snapshot)


@cache
def code_version() -> str:
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=12)
    base = Path(settings.BASE_DIR)
    for name in _CODE_DIRS:
        for path in sorted((base / name).rglob("*")):
            if path.suffix in _CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(request: HttpRequest, variant: tuple[object, ...]) -> str:
    database = connection.settings_dict
    parts = (
        code_version(),
        database["HOST"],
        database["PORT"],
        database["NAME"],
        request.user.pk,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        *variant,
    )
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=20)
    return "page:" + digest.hexdigest()


def csrf_stand_in(request: HttpRequest) -> dict[str, Any]:
    """Context processor: while a page is rendered to be kept, its CSRF token is a stand-in.

    Listed after Django's own `csrf` processor, it replaces the token for that render only.
    """
    if getattr(request, "_hs_rendering_to_keep", False):
        return {"csrf_token": CSRF_STAND_IN}
    return {}


def _pending_messages(request: HttpRequest) -> bool:
    # len() loads the messages without marking them read: the page still shows them.
    return hasattr(request, "_messages") and len(get_messages(request)) > 0


def _kept_response(request: HttpRequest, entry: Entry) -> HttpResponse:
    content = entry.content
    if entry.csrf_stand_in:
        content = content.replace(entry.csrf_stand_in.encode(), get_token(request).encode())
    response = HttpResponse(content)
    for name, value in entry.headers:
        response[name] = value
    response[STATUS_HEADER] = "hit"
    return response


def cached_response(
    request: HttpRequest, render: Callable[[], HttpResponse], *variant: object
) -> HttpResponse:
    """The response `render()` gives this request, rendered again only when something changed.

    `render` must return a rendered response whose content depends only on the database, the
    request's user and what `cache_key` names; `variant` adds anything else it depends on.
    Only 200 responses are kept.
    """
    if (
        request.method not in ("GET", "HEAD")
        or not request.user.is_authenticated
        or not enabled()
        or _pending_messages(request)
    ):
        return render()
    state = database_state()
    if state is None:
        return render()
    key = cache_key(request, variant)
    try:
        kept = caches[CACHE_ALIAS].get(key)
    except CACHE_ERRORS:  # the cache is down: render, as without one
        cache_unavailable("kept responses")
        kept = None
    if kept is not None and kept.state == state:
        return _kept_response(request, kept)

    # get_token() flags the request when it hands out the real token: if the render asked for it
    # other than through the template context, the page holds this session's token: never keep it.
    asked_before = request.META.pop(_TOKEN_HANDED_OUT, None)
    request._hs_rendering_to_keep = True  # type: ignore[attr-defined]
    try:
        response = render()
    finally:
        request._hs_rendering_to_keep = False  # type: ignore[attr-defined]
        real_token_used = request.META.get(_TOKEN_HANDED_OUT)
        if asked_before:
            request.META[_TOKEN_HANDED_OUT] = asked_before
    if response.streaming:
        return response
    content = response.content
    stand_in = CSRF_STAND_IN if CSRF_STAND_IN.encode() in content else None
    if response.status_code == 200 and not response.cookies and not real_token_used:
        entry = Entry(state, tuple(response.items()), content, stand_in)
        try:
            caches[CACHE_ALIAS].set(key, entry)
        except CACHE_ERRORS:
            cache_unavailable("kept responses")
    if stand_in:
        response.content = content.replace(stand_in.encode(), get_token(request).encode())
    response[STATUS_HEADER] = "miss"
    return response
