"""`GET /api/v1/incidents/{id}/similar/`: earlier incidents like this one, and why they matched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.postmortems.models import Postmortem
from tests.factories import CauseFactory, IncidentFactory, ServiceFactory, UserFactory


def _url(incident: Any) -> str:
    return f"/api/v1/incidents/{incident.reference}/similar/"


def _earlier(days: int, **fields: Any) -> Any:
    started = timezone.now() - timedelta(days=days)
    return IncidentFactory(started_at=started, detected_at=started, **fields)


@pytest.fixture
def api(db: Any) -> Any:
    return ServiceFactory(name="api")


@pytest.fixture
def current(owner: Any, api: Any) -> Any:
    incident = IncidentFactory(title="API latency spike after traffic surge", services=[api], commander=owner)
    CauseFactory(incident=incident, category="capacity")
    return incident


def test_it_ranks_a_recurrence_first_and_says_why(
    client_as: Callable[..., APIClient], owner: Any, current: Any, api: Any
) -> None:
    recurrence = _earlier(30, title="Checkout errors", services=[api])
    CauseFactory(incident=recurrence, category="capacity")
    same_service = _earlier(10, title="Certificate expired", services=[api])
    same_words = _earlier(5, title="Latency spike after traffic surge on search")
    _earlier(3, title="Printer on fire")

    body = client_as(owner).get(_url(current)).json()

    assert [r["reference"] for r in body["results"]] == [
        recurrence.reference,
        same_words.reference,
        same_service.reference,
    ]
    first = body["results"][0]
    assert first["reasons"] == ["service: api", "cause: capacity"]
    assert first["title"] == "Checkout errors"
    assert first["severity"] == recurrence.severity
    assert first["status"] == recurrence.status
    assert first["postmortem_url"] is None
    assert body["results"][1]["reasons"] == ["similar title"]


def test_it_links_a_published_postmortem(
    client_as: Callable[..., APIClient], owner: Any, current: Any, api: Any
) -> None:
    earlier = _earlier(30, title="Old api outage", services=[api])
    Postmortem.objects.create(incident=earlier, status="published", published_at=timezone.now())

    result = client_as(owner).get(_url(current)).json()["results"][0]

    assert result["postmortem_url"].endswith(f"/incidents/{earlier.reference}/postmortem/read/")


def test_it_leaves_out_itself_its_duplicates_later_and_hidden_incidents(
    client_as: Callable[..., APIClient], owner: Any, current: Any, api: Any
) -> None:
    _earlier(1, title="API latency spike after traffic surge", services=[api], duplicate_of=current)
    IncidentFactory(title="API latency spike after traffic surge", services=[api])  # started later
    stranger = UserFactory(username="stan", role="responder")
    _earlier(
        2, title="API latency spike after traffic surge", services=[api], private=True, commander=stranger
    )

    body = client_as(owner).get(_url(current)).json()

    assert body["count"] == 0
    assert body["results"] == []


def test_a_private_incident_is_a_404_for_outsiders(
    client_as: Callable[..., APIClient], outsider: Any, private_incident: Any
) -> None:
    assert client_as(outsider).get(_url(private_incident)).status_code == 404


def test_ruled_out_causes_do_not_count(client_as: Callable[..., APIClient], owner: Any, current: Any) -> None:
    other = _earlier(3, title="Unrelated thing")
    CauseFactory(incident=other, category="capacity", status="ruled_out")

    assert client_as(owner).get(_url(current)).json()["count"] == 0
