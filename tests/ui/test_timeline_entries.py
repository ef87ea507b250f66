"""Timeline entries are rendered once per distinct content and viewer (the `timeline_entry` tag):
never stale, never another viewer's, and each request's own CSRF token in every form."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from incidents import response_cache
from incidents.templatetags.hindsight import _render_entry
from tests.factories import TimelineEventFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    _render_entry.cache_clear()


def page(client: Any, incident: Any) -> str:
    response = client.get(reverse("incident-detail", args=[incident.reference]))
    assert response.status_code == 200
    return str(response.content.decode())


def entry(html: str, event: TimelineEvent) -> str:
    match = re.search(rf'<li id="event-{event.pk}".*?</li>', html, re.S)
    assert match, f"entry {event.pk} is not on the page"
    return match.group(0)


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_remembered_entries_are_the_entries_rendered_afresh(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    TimelineEventFactory(incident=busy_incident, author=owner, body="**Long** " + "x" * 2500)
    TimelineEventFactory(incident=busy_incident, author=None, source="system", kind="status", is_key=True)
    client = client_for(owner)
    with override_settings(DEBUG=True):  # nothing remembered
        afresh = page(client, busy_incident)
    first = page(client, busy_incident)
    again = page(client, busy_incident)

    def without_tokens(html: str) -> str:
        return re.sub(r'value="[A-Za-z0-9]{64}"', 'value="T"', re.sub(r'"X-CSRFToken": "[^"]+"', "", html))

    assert without_tokens(first) == without_tokens(afresh) == without_tokens(again)
    assert _render_entry.cache_info().hits >= 4  # the short entries were served from memory


def test_a_changed_entry_is_never_shown_stale(client_for: Any, owner: Any, busy_incident: Any) -> None:
    client = client_for(owner)
    event = TimelineEvent.objects.filter(incident=busy_incident).order_by("occurred_at").first()
    assert event is not None
    assert ">Pin<span" in entry(page(client, busy_incident), event)

    client.post(reverse("timeline-event-pin", args=[busy_incident.reference, event.pk]), {"is_key": "1"})
    pinned = entry(page(client, busy_incident), event)
    assert ">Unpin<span" in pinned
    assert "pinned" in pinned.split(">", 1)[0]

    client.post(
        reverse("timeline-event-edit", args=[busy_incident.reference, event.pk]),
        {
            "kind": event.kind,
            "body": "Alert fired at **14:02**",
            "when": event.occurred_at.strftime("%Y-%m-%d %H:%M"),
        },
    )
    event.refresh_from_db()
    edited = entry(page(client, busy_incident), event)
    assert "<strong>14:02</strong>" in edited
    assert "edited" in edited

    owner.profile.timezone = "Asia/Tokyo"
    owner.profile.save()
    local = timezone.localtime(event.occurred_at, timezone=ZoneInfo("Asia/Tokyo"))
    assert f'datetime="{local.isoformat()}"' in entry(page(client, busy_incident), event)

    client.post(reverse("timeline-event-delete", args=[busy_incident.reference, event.pk]))
    assert f'id="event-{event.pk}"' not in page(client, busy_incident)


def test_each_viewer_gets_their_own_entries_and_token(
    client_for: Any, owner: Any, viewer: Any, busy_incident: Any
) -> None:
    event = TimelineEvent.objects.filter(incident=busy_incident).first()
    assert event is not None
    responder_client = Client(enforce_csrf_checks=True)
    responder_client.force_login(owner)
    viewer_client = Client(enforce_csrf_checks=True)
    viewer_client.force_login(viewer)

    as_responder = page(responder_client, busy_incident)
    as_viewer = page(viewer_client, busy_incident)

    assert "/pin/" in entry(as_responder, event)
    assert "/pin/" not in entry(as_viewer, event)  # the responder's entry was not reused
    responder_tokens = tokens(entry(as_responder, event))
    assert len(responder_tokens) == 1
    assert not responder_tokens & tokens(page(responder_client, busy_incident))  # a fresh one each time
    # The token in a remembered entry is this request's own: the form posts.
    response = responder_client.post(
        reverse("timeline-event-pin", args=[busy_incident.reference, event.pk]),
        {"is_key": "1", "csrfmiddlewaretoken": responder_tokens.pop()},
    )
    assert response.status_code in (200, 302)
    event.refresh_from_db()
    assert event.is_key is True


@pytest.mark.parametrize("role", ["owner", "viewer", "admin_user"])
def test_an_entry_is_what_the_template_makes_of_the_entry_itself(
    request: Any, role: str, owner: Any, busy_incident: Any
) -> None:
    """The tag renders from a TimelineEntry; the template given the model instance itself must
    agree, so a template that starts using a field the tuple lacks fails here."""
    from django.template import Context
    from django.template.loader import get_template
    from django.test import RequestFactory

    from incidents.templatetags.hindsight import timeline_entry
    from incidents.views.incidents import detail_context

    TimelineEventFactory(incident=busy_incident, author=owner, body="Edited", edited_at=timezone.now())
    TimelineEventFactory(incident=busy_incident, author=None, source="system", kind="status", is_key=True)
    TimelineEventFactory(incident=busy_incident, author=owner, body="Gone", deleted_at=timezone.now())
    http = RequestFactory().get("/")
    http.user = request.getfixturevalue(role)
    context = detail_context(http, busy_incident)
    assert len(context["events"]) >= 5
    for event in context["events"]:
        event.just_added = event.is_key  # type: ignore[attr-defined]
        values = {
            "event": event,
            "just_added": event if event.is_key else None,
            "can_edit": context["can_edit"],
            "show_deleted": context["show_deleted"],
            "timeline_url": context["timeline_url"],
            "csrf_token": "TOKEN",
        }
        direct = get_template("timeline/_event.html").render({**values})
        assert timeline_entry(Context(values), event) == direct
        assert timeline_entry(Context(values), event) == direct  # remembered


def test_an_entry_cannot_smuggle_the_token_slot(client_for: Any, owner: Any, busy_incident: Any) -> None:
    """Each request's token is put in where the remembered entry holds a stand-in; the stand-in is
    random, so text written to look like one stays text."""
    TimelineEventFactory(
        incident=busy_incident, author=owner, body="hindsight-csrf-token-slot hindsight-csrf-0"
    )
    html = page(client_for(owner), busy_incident)

    assert "hindsight-csrf-token-slot hindsight-csrf-0" in html
    assert response_cache.CSRF_STAND_IN not in html
