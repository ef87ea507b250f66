"""Kept responses (incidents/response_cache.py): the incident page and the API's incident list are
served from the cache only while the database shows the same data, to the same user, with the
requester's own CSRF token.

The cache reads PostgreSQL's snapshot, so these tests run there, on committed data (transactional
tests): inside a test's transaction every request renders, which one test below relies on.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import response_cache, services
from incidents.models import Incident
from incidents.services.accounts import api_token_create
from tests.factories import UserFactory
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

HEADER = response_cache.STATUS_HEADER

pytestmark = [
    pytest.mark.alone,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="kept responses need PostgreSQL's snapshot (CI runs them on PostgreSQL)",
    ),
]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    from django.core.cache import caches

    caches[response_cache.CACHE_ALIAS].clear()


@pytest.fixture
def responder() -> Any:
    return UserFactory(username="rhea", role="responder")


@pytest.fixture
def public(responder: Any) -> Incident:
    return services.incident_declare(actor=responder, title="Checkout latency", severity="SEV2")


def signed_in(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def page(client: Client, incident: Incident) -> Any:
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    return response


def until_kept(fetch: Callable[[], Any], seconds: float = 20) -> Any:
    """Fetch until the response is served kept, and return it.

    Any write anywhere in the PostgreSQL cluster moves the snapshot on, other tests' writes in their
    own databases too: a read may be rendered afresh a few times before two reads meet the same
    snapshot. These tests are marked `alone` (CI runs them with no other test running). A miss after
    a write of the test's own is certain, and asserted directly.
    """
    deadline = time.monotonic() + seconds
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        response = fetch()
        if response[HEADER] == "hit":
            return response
    pytest.fail(f"never served kept in {tries} tries over {seconds} s: is something writing to the cluster?")


def csrf_tokens(response: Any) -> set[str]:
    html = response.content.decode()
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    )


def test_the_page_is_rendered_once_and_served_until_something_is_written(
    responder: Any, public: Incident
) -> None:
    client = signed_in(responder)
    first = page(client, public)
    assert first[HEADER] == "miss"
    rendering = CaptureQueriesContext(connection)

    def counted() -> Any:
        with rendering:
            return page(client, public)

    until_kept(counted)
    # A kept page costs the session, the user and the snapshot: none of the page's own queries.
    assert len(rendering.captured_queries) <= 3, [q["sql"] for q in rendering.captured_queries]

    timeline_event_add(incident=public, actor=responder, body="Rolled back the **cache** tier")
    fresh = page(client, public)
    assert fresh[HEADER] == "miss"
    assert "Rolled back the <strong>cache</strong> tier" in fresh.content.decode()
    until_kept(lambda: page(client, public))


@pytest.mark.parametrize("how", ["queryset update", "raw SQL", "another connection"])
def test_writes_that_no_service_makes_are_seen_too(responder: Any, public: Incident, how: str) -> None:
    """The admin, a data migration, psql, a Celery worker: whatever writes moves the snapshot on."""
    client = signed_in(responder)
    until_kept(lambda: page(client, public))

    if how == "queryset update":
        Incident.objects.filter(pk=public.pk).update(title="Renamed by update()")
    elif how == "raw SQL":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(Incident._meta.db_table)} SET title = %s WHERE id = %s",  # noqa: S608
                ["Renamed by update()", public.pk],
            )
    else:

        def elsewhere() -> None:
            try:
                Incident.objects.filter(pk=public.pk).update(title="Renamed by update()")
            finally:
                connections.close_all()

        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()

    after = page(client, public)
    assert after[HEADER] == "miss"
    assert "Renamed by update()" in after.content.decode()


def test_a_request_whose_transaction_has_written_renders_what_it_wrote(
    responder: Any, public: Incident
) -> None:
    client = signed_in(responder)
    page(client, public)
    with transaction.atomic():
        until_kept(lambda: page(client, public))  # nothing written yet in this transaction
        Incident.objects.filter(pk=public.pk).update(title="Not committed yet")
        inside = page(client, public)
        assert HEADER not in inside
        assert "Not committed yet" in inside.content.decode()


def test_each_user_gets_their_own_page_and_private_incidents_never_leak(responder: Any) -> None:
    participant = UserFactory(username="pia", role="responder")
    outsider = UserFactory(username="otto", role="responder")
    secret = services.incident_declare(
        actor=responder, title="Credential leak in logs", severity="SEV1", private=True
    )
    services.incident_add_participant(incident=secret, actor=responder, user=participant)

    # Everyone signs in first: a sign-in writes a session, which would move the snapshot on.
    insider, outside, commander = signed_in(participant), signed_in(outsider), signed_in(responder)
    until_kept(lambda: page(insider, secret))
    refused = outside.get(secret.get_absolute_url())
    assert refused.status_code == 404
    assert "Credential leak" not in refused.content.decode()
    # The same page at the same snapshot, for another user who may see it: their own rendering.
    theirs = page(commander, secret)
    assert theirs[HEADER] == "miss"
    assert ">rhea</a>" in theirs.content.decode()
    assert ">pia</a>" in page(insider, secret).content.decode()


def test_a_kept_page_carries_the_requesters_own_csrf_token(responder: Any, public: Incident) -> None:
    first = signed_in(responder, enforce_csrf_checks=True)
    second = signed_in(responder, enforce_csrf_checks=True)  # another browser: another session
    (theirs,) = csrf_tokens(page(first, public))
    kept = until_kept(lambda: page(second, public))
    assert response_cache.CSRF_STAND_IN not in kept.content.decode()
    (token,) = csrf_tokens(kept)  # one token, in every form and in htmx's headers

    url = f"/incidents/{public.reference}/timeline/add/"
    refused = second.post(url, {"csrfmiddlewaretoken": theirs, "kind": "note", "body": "Their token"})
    assert refused.status_code == 403
    accepted = second.post(url, {"csrfmiddlewaretoken": token, "kind": "note", "body": "From the kept page"})
    assert accepted.status_code in (200, 302), accepted.content[:300]
    assert TimelineEvent.objects.filter(incident=public, body="From the kept page").exists()
    assert not TimelineEvent.objects.filter(incident=public, body="Their token").exists()


def test_pending_messages_are_shown_once_and_never_kept(responder: Any, public: Incident) -> None:
    client = signed_in(responder)
    page(client, public)
    # As a view that adds a message and redirects here leaves it: not yet shown.
    client.cookies[CookieStorage.cookie_name] = CookieStorage(None)._encode([_message("Incident updated.")])
    shown = page(client, public)
    assert HEADER not in shown
    assert "Incident updated." in shown.content.decode()
    again = page(client, public)
    assert "Incident updated." not in again.content.decode()


def _message(text: str) -> Any:
    from django.contrib.messages.storage.base import Message

    return Message(message_levels.SUCCESS, text)


def test_overdue_badges_follow_the_date(monkeypatch: Any, responder: Any, public: Incident) -> None:
    today = timezone.localdate()
    services.action_add(incident=public, actor=responder, title="Add a canary stage", due_date=today)
    client = signed_in(responder)
    assert "badge danger" not in page(client, public).content.decode()
    until_kept(lambda: page(client, public))
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))
    tomorrow = page(client, public)
    assert tomorrow[HEADER] == "miss"
    assert "badge danger" in tomorrow.content.decode()


def test_new_code_is_not_served_pages_the_old_code_rendered(
    monkeypatch: Any, responder: Any, public: Incident
) -> None:
    client = signed_in(responder)
    page(client, public)
    monkeypatch.setattr(response_cache, "code_version", lambda: "the next release")
    assert page(client, public)[HEADER] == "miss"


def test_only_successful_pages_are_kept(responder: Any, public: Incident) -> None:
    client = signed_in(responder)
    missing = client.get("/incidents/INC-999999/")
    assert missing.status_code == 404
    assert client.get("/incidents/INC-999999/").status_code == 404
    assert HEADER not in missing


def test_the_api_list_is_kept_per_user_per_query(responder: Any, public: Incident) -> None:
    secret = services.incident_declare(
        actor=responder, title="Credential leak in logs", severity="SEV1", private=True
    )
    outsider = UserFactory(username="otto", role="responder")
    _, key = api_token_create(user=responder, name="cli")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = api.get("/api/v1/incidents/")
    assert first[HEADER] == "miss"
    second = until_kept(lambda: api.get("/api/v1/incidents/"))
    assert first.content == second.content
    assert second["Content-Type"] == "application/json"
    assert second.json()["count"] == 2
    assert api.get("/api/v1/incidents/?severity=SEV2")[HEADER] == "miss"
    assert [row["reference"] for row in api.get("/api/v1/incidents/?severity=SEV2").json()["results"]] == [
        public.reference
    ]

    other = APIClient()
    other.force_authenticate(outsider)
    theirs = other.get("/api/v1/incidents/")
    assert theirs[HEADER] == "miss"
    assert [row["reference"] for row in theirs.json()["results"]] == [public.reference]
    assert secret.reference not in theirs.content.decode()

    browsable = api.get("/api/v1/incidents/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200
    assert HEADER not in browsable

    services.incident_update(incident=public, actor=responder, data={"title": "Checkout latency (EU)"})
    updated = api.get("/api/v1/incidents/")
    assert updated[HEADER] == "miss"
    assert "Checkout latency (EU)" in updated.content.decode()


def test_a_cache_that_is_down_costs_nothing_but_time(responder: Any, public: Incident) -> None:
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        response_cache.CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    with override_settings(CACHES=unreachable):
        client = signed_in(responder)
        for _ in range(2):
            response = page(client, public)
            assert response[HEADER] == "miss"
            assert public.title in response.content.decode()


def test_switched_off_every_request_renders(responder: Any, public: Incident) -> None:
    client = signed_in(responder)
    with override_settings(RESPONSE_CACHE=False):
        page(client, public)
        assert HEADER not in page(client, public)


def test_the_api_incident_and_its_timeline_are_kept_with_their_headers(
    responder: Any, public: Incident
) -> None:
    outsider = UserFactory(username="otto", role="responder")
    secret = services.incident_declare(
        actor=responder, title="Credential leak in logs", severity="SEV1", private=True
    )
    api, other = APIClient(), APIClient()
    api.force_authenticate(responder)
    other.force_authenticate(outsider)
    detail = f"/api/v1/incidents/{public.reference}/"
    timeline = f"/api/v1/incidents/{public.reference}/timeline/"
    first = api.get(detail)
    assert first[HEADER] == "miss"
    kept = until_kept(lambda: api.get(detail))
    assert kept["ETag"] == first["ETag"] == f'"{public.version}"'
    assert kept.json() == first.json()
    until_kept(lambda: api.get(timeline))

    api.get(f"/api/v1/incidents/{secret.reference}/")
    assert other.get(f"/api/v1/incidents/{secret.reference}/").status_code == 404
    assert other.get(f"/api/v1/incidents/{secret.reference}/timeline/").status_code == 404

    posted = api.post(timeline, {"kind": "note", "body": "Failover complete"}, format="json")
    assert posted.status_code == 201
    entries = api.get(timeline)
    assert entries[HEADER] == "miss"
    assert "Failover complete" in [row["body"] for row in entries.json()["results"]]
    edited = api.patch(detail, {"title": "Checkout latency (EU)"}, format="json")
    refreshed = api.get(detail)
    assert refreshed[HEADER] == "miss"
    assert refreshed["ETag"] == edited["ETag"] != first["ETag"]
    assert refreshed.json()["title"] == "Checkout latency (EU)"


def test_a_page_holding_the_sessions_real_csrf_token_is_never_kept(
    monkeypatch: Any, responder: Any, public: Incident
) -> None:
    """Pages take the token from the template context (a stand-in while they are kept). Code that
    asks Django for the real token while rendering makes a page that must not be kept."""
    from django.middleware.csrf import get_token

    from incidents.views import incidents as views

    original = views.detail_context

    def asking_for_the_token(request: Any, incident: Incident, **overrides: Any) -> dict[str, Any]:
        return {**original(request, incident, **overrides), "raw_token": get_token(request)}

    monkeypatch.setattr(views, "detail_context", asking_for_the_token)
    client = signed_in(responder)
    for _ in range(2):
        assert page(client, public)[HEADER] == "miss"


def test_the_incident_list_page_is_kept_per_user_and_for_htmx_apart(responder: Any, public: Incident) -> None:
    outsider = UserFactory(username="otto", role="responder")
    theirs, mine = signed_in(outsider), signed_in(responder)
    secret = services.incident_declare(
        actor=responder, title="Credential leak in logs", severity="SEV1", private=True
    )
    full = mine.get("/incidents/")
    assert full[HEADER] == "miss"
    until_kept(lambda: mine.get("/incidents/"))
    assert "Credential leak" in full.content.decode()
    partial = mine.get("/incidents/", HTTP_HX_REQUEST="true")
    assert partial[HEADER] == "miss"
    assert "<html" not in partial.content.decode()
    assert "<html" in until_kept(lambda: mine.get("/incidents/")).content.decode()
    assert "Credential leak" not in theirs.get("/incidents/").content.decode()

    services.incident_update(incident=secret, actor=responder, data={"title": "Tokens in debug logs"})
    renamed = mine.get("/incidents/")
    assert renamed[HEADER] == "miss"
    assert "Tokens in debug logs" in renamed.content.decode()
