"""Change events: pipelines report changes; an incident lists the ones to its services just before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import ChangeEvent, Service
from incidents.services.changes import change_event_record
from tests.factories import IncidentFactory, ServiceFactory

HOOK = "/api/v1/hooks/changes/"


def change(**fields: Any) -> dict[str, Any]:
    return {
        "service": "checkout",
        "summary": "Deploy 4182: new payment retry logic",
        "kind": "deploy",
        "at": "2026-12-05T14:05:00Z",
        "url": "https://ci.example.com/runs/4182",
        "author": "deploy-bot",
        **fields,
    }


@pytest.fixture
def pipeline(client_as: Callable[..., APIClient], owner: Any) -> APIClient:
    """A deploy pipeline holding an integration token named "tests"."""
    return client_as(owner, integration=True)


def test_a_pipeline_reports_a_change(pipeline: APIClient) -> None:
    response = pipeline.post(HOOK, change(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["service"] == "checkout"
    assert body["kind"] == "deploy"
    assert body["at"] == "2026-12-05T14:05:00Z"
    assert body["author"] == "deploy-bot"
    assert body["source"] == "tests"
    stored = ChangeEvent.objects.get(pk=body["id"])
    assert stored.service == Service.objects.get(name="checkout")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "rollback"}, "kind"),
        ({"summary": ""}, "summary"),
        ({"summary": 42}, "summary"),
        ({"service": "   "}, "service"),
        ({"service": "s" * 101}, "service"),
        ({"at": "after lunch"}, "at"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"author": "a" * 201}, "author"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_change_is_refused_with_a_field_error_and_nothing_stored(
    pipeline: APIClient, fields: dict[str, Any], field: str
) -> None:
    response = pipeline.post(HOOK, change(**fields), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ChangeEvent.objects.exists()
    assert not Service.objects.filter(name="checkout").exists()


def test_the_hook_needs_a_token(client_as: Callable[..., APIClient], viewer: Any) -> None:
    assert client_as(None).post(HOOK, change(), format="json").status_code == 401
    assert client_as(viewer).post(HOOK, change(), format="json").status_code == 403
    assert not ChangeEvent.objects.exists()


def test_an_incident_lists_changes_to_its_services_from_two_hours_before(
    as_owner: APIClient, owner: Any
) -> None:
    checkout = ServiceFactory(name="checkout")
    started = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(services=[checkout], started_at=started, detected_at=started, commander=owner)
    change_event_record(
        service="checkout", summary="too early", kind="deploy", at=started - timedelta(hours=3)
    )
    change_event_record(
        service="checkout", summary="flag flip", kind="feature_flag", at=started - timedelta(minutes=30)
    )
    change_event_record(service="checkout", summary="hotfix", kind="deploy", at=started + timedelta(hours=1))
    change_event_record(service="search", summary="other service", kind="config", at=started)

    body = as_owner.get(f"/api/v1/incidents/{incident.reference}/changes/").json()

    assert [item["summary"] for item in body["results"]] == ["hotfix", "flag flip"]
    assert body["count"] == 2


def test_a_resolved_incident_lists_changes_until_it_was_resolved(as_owner: APIClient, owner: Any) -> None:
    started = timezone.now() - timedelta(days=1)
    incident = IncidentFactory(
        services=[ServiceFactory(name="checkout")], started_at=started, detected_at=started, commander=owner
    )
    incident.resolved_at = started + timedelta(hours=1)
    incident.save()
    change_event_record(
        service="checkout", summary="during", kind="deploy", at=started + timedelta(minutes=10)
    )
    change_event_record(
        service="checkout", summary="next day", kind="deploy", at=started + timedelta(hours=5)
    )

    body = as_owner.get(f"/api/v1/incidents/{incident.reference}/changes/").json()

    assert [item["summary"] for item in body["results"]] == ["during"]


def test_changes_of_a_private_incident_are_a_404_for_outsiders(
    client_as: Callable[..., APIClient], outsider: Any, private_incident: Any
) -> None:
    assert (
        client_as(outsider).get(f"/api/v1/incidents/{private_incident.reference}/changes/").status_code == 404
    )


def test_the_incident_page_shows_changes_before_it(client_for: Any, owner: Any) -> None:
    started = timezone.now() - timedelta(minutes=30)
    incident = IncidentFactory(
        services=[ServiceFactory(name="checkout")], started_at=started, detected_at=started, commander=owner
    )
    change_event_record(
        service="checkout",
        summary="Deploy <4182>",
        kind="deploy",
        at=started - timedelta(minutes=5),
        url="https://ci.example.com/runs/4182",
    )

    page = client_for(owner).get(f"/incidents/{incident.reference}/").content.decode()

    assert "Changes before this incident" in page
    link = '<a href="https://ci.example.com/runs/4182" rel="noopener noreferrer">'
    assert f"{link}<bdi>Deploy &lt;4182&gt;</bdi></a>" in page
