"""Timeline filters: by kind, key entries, author, source and text, carried in the URL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import TimelineEventFactory, UserFactory
from timeline.services import timeline_event_update

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def timeline(owner: Any, busy_incident: Any) -> Any:
    """busy_incident's three notes by olivia, plus a pinned action by Mia and an API alert."""
    mia = UserFactory(username="mia", first_name="Mia", last_name="Wong", role="responder")
    TimelineEventFactory(incident=busy_incident, kind="action", body="Failed over the database", author=mia)
    alert = TimelineEventFactory(
        incident=busy_incident, kind="alert", body="Pager: p99 above 2 s", source="api", author=None
    )
    timeline_event_update(event=alert, actor=owner, data={"is_key": True})
    return busy_incident


def bodies(client: Any, incident: Any, query: str) -> list[str]:
    page = client.get(reverse("incident-detail", args=[incident.reference]) + query).content.decode()
    ol = page.split('id="timeline-events"')[1].split("</ol>")[0]
    return re.findall(r'<div class="event-body md"><p>(.*?)</p>', ol)


def test_the_timeline_filters_by_kind_key_author_source_and_text(
    client_for: Any, owner: Any, timeline: Any
) -> None:
    client = client_for(owner)
    assert len(bodies(client, timeline, "")) >= 5
    assert bodies(client, timeline, "?kind=action") == ["Failed over the database"]
    assert bodies(client, timeline, "?key=on") == ["Pager: p99 above 2 s"]
    assert bodies(client, timeline, "?by=mia") == ["Failed over the database"]
    assert bodies(client, timeline, "?source=api") == ["Pager: p99 above 2 s"]
    assert bodies(client, timeline, "?q=ROLLED+back") == ["Rolled back deploy 4182"]
    assert bodies(client, timeline, "?kind=note&q=normal") == ["Errors back to normal"]
    assert bodies(client, timeline, "?q=nothing-like-this") == []


def test_the_filter_form_shows_what_the_url_asks_and_offers_authors_by_name(
    client_for: Any, owner: Any, timeline: Any
) -> None:
    page = client_for(owner).get(reverse("incident-detail", args=[timeline.reference]) + "?by=mia&q=over")
    html = page.content.decode()
    assert '<option value="mia" selected>Mia Wong</option>' in html
    assert 'value="over"' in html
    assert "Only entries that match the filters" in html
    assert "No entries yet" not in html


def test_an_unknown_filter_value_is_ignored_with_a_message(
    client_for: Any, owner: Any, timeline: Any
) -> None:
    client = client_for(owner)
    response = client.get(reverse("incident-detail", args=[timeline.reference]) + "?kind=bogus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(bodies(client, timeline, "?kind=bogus")) >= 5  # the bad filter narrows nothing


def test_filtering_with_htmx_puts_the_shareable_incident_url_in_the_address_bar(
    client_for: Any, owner: Any, timeline: Any
) -> None:
    url = reverse("incident-timeline", args=[timeline.reference]) + "?filter=1&kind=action&q=database"
    response = client_for(owner).get(url, **HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/incidents/{timeline.reference}/?q=database&kind=action"
    assert "Failed over the database" in response.content.decode()
    assert "Rolled back deploy" not in response.content.decode()


def test_show_earlier_keeps_the_filters(client_for: Any, owner: Any, busy_incident: Any) -> None:
    for n in range(55):
        TimelineEventFactory(incident=busy_incident, kind="action", body=f"Step {n}", author=owner)
    page = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference]) + "?kind=action")
    link = re.search(r'<li class="earlier"><a href="([^"]+)"', page.content.decode())
    assert link
    assert "kind=action" in link[1]
    older = client_for(owner).get(link[1].replace("&amp;", "&"), **HTMX).content.decode()
    assert "Step 0" in older
    assert "Errors back to normal" not in older  # a note: filtered out
