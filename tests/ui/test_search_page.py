"""The search page (/search/?q=) and the box in the top bar: the API's selector, for people."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.factories import IncidentFactory, TimelineEventFactory


def test_the_top_bar_has_a_search_box(client_for: Any, owner: Any) -> None:
    page = client_for(owner).get(reverse("dashboard")).content.decode()

    assert f'action="{reverse("search")}"' in page
    assert 'name="q"' in page


def test_the_search_page_lists_matches_with_the_words_marked(client_for: Any, owner: Any) -> None:
    incident = IncidentFactory(title="Kafka consumer lag")
    TimelineEventFactory(incident=incident, body="Restarted <b>kafka</b> brokers")

    response = client_for(owner).get(reverse("search"), {"q": "kafka"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 results" in page
    assert "Kafka consumer lag" in page
    assert "<mark>kafka</mark>" in page or "<mark>Kafka</mark>" in page
    assert "&lt;b&gt;" in page  # user text is shown, never interpreted
    assert "<b>kafka</b>" not in page


def test_the_search_page_hides_private_incidents(
    client_for: Any, outsider: Any, private_incident: Any
) -> None:
    page = client_for(outsider).get(reverse("search"), {"q": "credential"}).content.decode()

    assert private_incident.reference not in page
    assert "0 results" in page


def test_the_search_page_explains_an_overlong_query(client_for: Any, owner: Any) -> None:
    response = client_for(owner).get(reverse("search"), {"q": "x" * 300})

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
