"""Conditional GET: clients that poll an incident or its timeline get 304 until something changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident
from incidents.services import api_token_create
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner, name='poller')[1]}")
    return client


def test_a_poller_gets_304_until_an_entry_is_added(api: APIClient, incident: Incident) -> None:
    url = f"/api/v1/incidents/{incident.reference}/timeline/"
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert api.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304

    assert api.post(url, {"body": "Rolled back the deploy"}, format="json").status_code == 201
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert [row["body"] for row in changed.json()["results"]] == ["Rolled back the deploy"]


def test_every_kind_of_write_inside_the_incident_moves_the_etag(
    api: APIClient, incident: Incident, owner: Any
) -> None:
    url = f"/api/v1/incidents/{incident.reference}/timeline/"
    seen = {api.get(url)["ETag"]}
    event = TimelineEvent.objects.create(incident=incident, body="Paged the database team", author=owner)
    seen.add(api.get(url)["ETag"])
    assert (
        api.patch(f"/api/v1/timeline-events/{event.pk}/", {"body": "Paged DBA"}, format="json").status_code
        == 200
    )
    seen.add(api.get(url)["ETag"])
    assert api.delete(f"/api/v1/timeline-events/{event.pk}/").status_code == 204
    seen.add(api.get(url)["ETag"])
    cause = {"category": "capacity", "description": "Traffic surge"}
    assert (
        api.post(f"/api/v1/incidents/{incident.reference}/causes/", cause, format="json").status_code == 201
    )
    seen.add(api.get(url)["ETag"])
    due = (timezone.localdate()).isoformat()
    action = {"title": "Add autoscaling", "owner": owner.username, "due_date": due}
    assert (
        api.post(f"/api/v1/incidents/{incident.reference}/actions/", action, format="json").status_code == 201
    )
    seen.add(api.get(url)["ETag"])
    update = {"audience": "internal", "message": "Still looking"}
    assert (
        api.post(f"/api/v1/incidents/{incident.reference}/updates/", update, format="json").status_code == 201
    )
    seen.add(api.get(url)["ETag"])
    assert len(seen) == 7  # each write gave a new ETag


def test_the_incident_answers_304_for_its_current_version(api: APIClient, incident: Incident) -> None:
    url = f"/api/v1/incidents/{incident.reference}/"
    etag = api.get(url)["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"0", ' + etag).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"0"').status_code == 200
    assert (
        api.patch(url, {"title": "Search latency in EU"}, format="json", HTTP_IF_MATCH=etag).status_code
        == 200
    )
    fresh = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh.json()["title"] == "Search latency in EU"


def test_a_private_incident_is_404_whatever_the_etag(private_incident: Incident, outsider: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=outsider, name='t')[1]}")
    url = f"/api/v1/incidents/{private_incident.reference}/timeline/"
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404
    assert (
        client.get(f"/api/v1/incidents/{private_incident.reference}/", HTTP_IF_NONE_MATCH="*").status_code
        == 404
    )
