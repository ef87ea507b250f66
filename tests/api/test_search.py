"""`GET /api/v1/search/`: ranked results across the record, never from incidents the caller may not see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.postmortems.models import Postmortem, Section
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    StatusUpdateFactory,
    TimelineEventFactory,
)

URL = "/api/v1/search/"


@pytest.fixture
def record(owner: Any) -> Any:
    """A public incident on `payments` with the word "kafka" in every part of its record."""
    incident = IncidentFactory(
        title="Kafka consumer lag",
        summary="Orders were delayed.",
        services=[ServiceFactory(name="payments")],
        commander=owner,
    )
    TimelineEventFactory(incident=incident, body="Restarted the kafka brokers one by one")
    CauseFactory(incident=incident, description="A kafka partition was stuck after a rebalance")
    RemediationActionFactory(
        incident=incident, title="Alert on consumer lag", description="Page on kafka lag"
    )
    StatusUpdateFactory(incident=incident, message="Kafka is catching up; orders are flowing")
    postmortem = Postmortem.objects.create(incident=incident)
    Section.objects.create(
        postmortem=postmortem, key="lessons", title="Lessons", source="authored", body="Watch kafka lag"
    )
    return incident


def test_it_finds_every_kind_of_text_ranked_title_first(as_owner: APIClient, record: Any) -> None:
    IncidentFactory(title="Slow dashboard", summary="Unrelated to queues")

    body = as_owner.get(URL, {"q": "kafka"}).json()

    assert body["count"] == 6
    assert {result["type"] for result in body["results"]} == {
        "incident",
        "timeline_entry",
        "cause",
        "action_item",
        "status_update",
        "postmortem_section",
    }
    best = body["results"][0]
    assert best["type"] == "incident"
    assert best["incident"] == record.reference
    assert best["title"] == "Kafka consumer lag"
    assert best["url"].endswith(f"/incidents/{record.reference}/")
    entry = next(result for result in body["results"] if result["type"] == "timeline_entry")
    assert "kafka brokers" in entry["snippet"].lower()
    assert f"/incidents/{record.reference}/#event-{entry['id']}" in entry["url"]


def test_it_filters_by_type_service_and_since(as_owner: APIClient, record: Any) -> None:
    other = IncidentFactory(title="Kafka disk full", services=[ServiceFactory(name="search")])
    other.started_at = other.detected_at = timezone.now() - timedelta(days=30)
    other.save()

    causes = as_owner.get(URL, {"q": "kafka", "type": "cause"}).json()
    on_search = as_owner.get(URL, {"q": "kafka", "type": "incident", "service": "search"}).json()
    recent = as_owner.get(
        URL, {"q": "kafka", "type": "incident", "since": (timezone.now() - timedelta(days=1)).isoformat()}
    ).json()

    assert [r["type"] for r in causes["results"]] == ["cause"]
    assert [r["incident"] for r in on_search["results"]] == [other.reference]
    assert [r["incident"] for r in recent["results"]] == [record.reference]


def test_it_never_shows_a_private_incident_to_an_outsider(
    client_as: Callable[..., APIClient], outsider: Any, participant: Any, private_incident: Any
) -> None:
    TimelineEventFactory(incident=private_incident, body="Rotated the leaked credential")

    outside = client_as(outsider).get(URL, {"q": "credential"}).json()
    inside = client_as(participant).get(URL, {"q": "credential"}).json()

    assert outside == {"count": 0, "next": None, "previous": None, "results": []}
    assert {r["incident"] for r in inside["results"]} == {private_incident.reference}
    assert inside["count"] == 2  # the title and the entry


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "kafka", "type": "everything"}, "type"),
        ({"q": "kafka", "since": "last tuesday"}, "since"),
    ],
)
def test_it_rejects_bad_queries_with_a_field_error(
    as_owner: APIClient, params: dict[str, str], field: str
) -> None:
    response = as_owner.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_it_pages_results(as_owner: APIClient, owner: Any) -> None:
    for number in range(3):
        IncidentFactory(title=f"Disk pressure {number}")

    first = as_owner.get(URL, {"q": "disk pressure", "page_size": 2}).json()
    second = as_owner.get(first["next"]).json()

    assert first["count"] == 3
    titles = {r["title"] for r in first["results"] + second["results"]}
    assert titles == {"Disk pressure 0", "Disk pressure 1", "Disk pressure 2"}


def test_it_needs_a_signed_in_caller(client_as: Callable[..., APIClient]) -> None:
    assert client_as(None).get(URL, {"q": "kafka"}).status_code == 401


@pytest.mark.parametrize(
    "q", ['"unclosed quote', "-", "a & b | !c:*", "the", "'; DROP TABLE x; --", "(((", "ß"]
)
def test_it_answers_any_query_text_without_an_error(as_owner: APIClient, record: Any, q: str) -> None:
    response = as_owner.get(URL, {"q": q})

    assert response.status_code == 200
    assert response.json()["count"] == len(response.json()["results"])
