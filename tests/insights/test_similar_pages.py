"""Similar past incidents on the pages (issue #19 item 2): a card on the incident page, loaded after
it, and suggestions under the declare form's title as it is typed; both keep the privacy rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.postmortems.models import Postmortem
from tests.factories import CauseFactory, IncidentFactory, ServiceFactory


def earlier(days: int, **fields: Any) -> Any:
    started = timezone.now() - timedelta(days=days)
    return IncidentFactory(started_at=started, detected_at=started, **fields)


@pytest.fixture
def story(owner: Any) -> dict[str, Any]:
    api = ServiceFactory(name="api")
    current = IncidentFactory(title="API latency spike after traffic surge", services=[api], commander=owner)
    CauseFactory(incident=current, category="capacity")
    recurrence = earlier(30, title="Checkout errors", services=[api])
    CauseFactory(incident=recurrence, category="capacity")
    Postmortem.objects.create(incident=recurrence, status="published")
    same_words = earlier(5, title="Latency spike after traffic surge on search")
    hidden = earlier(4, title="Latency spike after traffic surge on payments", private=True, commander=owner)
    earlier(3, title="Printer on fire")
    return {"current": current, "recurrence": recurrence, "same_words": same_words, "hidden": hidden}


def test_the_incident_page_loads_the_card_after_the_page(story, owner, client_for):
    page = client_for(owner).get(f"/incidents/{story['current'].reference}/").content.decode()
    assert 'id="similar-incidents"' in page
    assert f'hx-get="/incidents/{story["current"].reference}/similar/"' in page


def test_the_card_says_why_each_matched_and_links_the_postmortem(story, owner, client_for):
    body = (
        client_for(owner)
        .get(f"/incidents/{story['current'].reference}/similar/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in body
    assert body.index(story["recurrence"].reference) < body.index(story["same_words"].reference)
    assert "Matched on service: api, cause: capacity" in body
    assert f'href="/incidents/{story["recurrence"].reference}/postmortem/read/"' in body
    assert "Printer on fire" not in body


def test_the_card_never_shows_a_private_incident_to_someone_who_cannot_see_it(
    story, owner, outsider, client_for
):
    assert (
        story["hidden"].reference
        in client_for(owner).get(f"/incidents/{story['current'].reference}/similar/").content.decode()
    )
    body = client_for(outsider).get(f"/incidents/{story['current'].reference}/similar/").content.decode()
    assert story["hidden"].reference not in body
    assert "payments" not in body
    assert client_for(outsider).get(f"/incidents/{story['hidden'].reference}/similar/").status_code == 404


def test_the_declare_form_suggests_past_incidents_as_the_title_is_typed(story, owner, outsider, client_for):
    page = client_for(owner).get("/incidents/new/").content.decode()
    assert 'id="similar-draft"' in page
    assert 'hx-get="/similar-incidents/"' in page
    body = (
        client_for(outsider)
        .get("/similar-incidents/", {"title": "Latency spike after a traffic surge"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Seen before?" in body
    assert story["same_words"].reference in body
    assert story["hidden"].reference not in body  # private, and the outsider may not see it
    assert "similar title" in body
    by_service = client_for(owner).get("/similar-incidents/", {"title": "", "services": "api, nope"})
    assert story["recurrence"].reference in by_service.content.decode()


def test_an_empty_draft_suggests_nothing(story, owner, client_for):
    assert client_for(owner).get("/similar-incidents/", {"title": "  "}).content.decode().strip() == ""
    assert client_for(owner).get("/similar-incidents/").status_code == 200


def test_anonymous_readers_are_sent_to_sign_in(client, story):
    assert client.get("/similar-incidents/", {"title": "Latency"}).status_code == 302
