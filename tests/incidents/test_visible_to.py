"""`Incident.objects.visible_to(user)`: the one privacy rule, and the counts it gives."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.postmortems.models import Postmortem
from incidents.services import api_token_create
from tests.factories import IncidentFactory, TimelineEventFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def client_as(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='tests')[1]}")
    return client


def test_each_way_into_a_private_incident_counts_once(
    owner: Any, outsider: Any, viewer: Any, admin_user: Any, no_group_user: Any
) -> None:
    IncidentFactory(title="Commands it", private=True, commander=outsider)
    IncidentFactory(title="Reported it", private=True, reporter=outsider, commander=owner)
    added = IncidentFactory(title="Was added", private=True, commander=owner)
    added.participants.add(outsider)
    wrote = IncidentFactory(title="Wrote in it", private=True, commander=owner)
    TimelineEventFactory(incident=wrote, author=outsider)
    deleted = IncidentFactory(title="Wrote, then deleted it", private=True, commander=owner)
    TimelineEventFactory(incident=deleted, author=outsider, deleted_at=timezone.now())
    everything = IncidentFactory(title="All four", private=True, commander=outsider, reporter=outsider)
    everything.participants.add(outsider)
    TimelineEventFactory(incident=everything, author=outsider)
    TimelineEventFactory(incident=everything, author=outsider)
    IncidentFactory(title="Not involved", private=True, commander=owner)
    IncidentFactory(title="Public", commander=owner)

    seen = set(Incident.objects.visible_to(outsider).values_list("title", flat=True))
    assert seen == {
        "Commands it",
        "Reported it",
        "Was added",
        "Wrote in it",
        "Wrote, then deleted it",
        "All four",
        "Public",
    }
    assert Incident.objects.visible_to(outsider).count() == 7  # each once, however many ways in
    assert Incident.objects.visible_to(viewer).count() == 1
    assert Incident.objects.visible_to(no_group_user).count() == 1
    assert Incident.objects.visible_to(admin_user).count() == 8
    assert Incident.objects.visible_to(None).count() == 0
    owner.is_active = False
    assert Incident.objects.visible_to(owner).count() == 0


def test_things_inside_incidents_follow_their_incident(
    private_incident: Incident, incident: Incident, owner: Any, outsider: Any, admin_user: Any
) -> None:
    for target in (private_incident, incident):
        TimelineEventFactory(incident=target, author=owner)
        Cause.objects.create(incident=target, category="software", description="A bug")
        RemediationAction.objects.create(incident=target, title="Fix", due_date=timezone.localdate())
        StatusUpdate.objects.create(incident=target, status="investigating", message="Looking")
        Postmortem.objects.create(incident=target)
    for model in (TimelineEvent, Cause, RemediationAction, StatusUpdate, Postmortem):
        manager: Any = model.objects  # type: ignore[attr-defined]
        assert {row.incident_id for row in manager.visible_to(outsider)} == {incident.pk}, model
        assert {row.incident_id for row in manager.visible_to(owner)} == {incident.pk, private_incident.pk}
        assert {row.incident_id for row in manager.visible_to(admin_user)} == {
            incident.pk,
            private_incident.pk,
        }


def test_a_prolific_writer_sees_each_incident_once(outsider: Any, owner: Any) -> None:
    incidents = [IncidentFactory(private=n % 2 == 0, commander=owner) for n in range(9)]
    for round_ in range(4):
        for target in reversed(incidents):
            TimelineEventFactory(incident=target, author=outsider, body=f"Round {round_}")
    assert Incident.objects.visible_to(outsider).count() == 9
    assert client_as(outsider).get("/api/v1/incidents/").json()["count"] == 9


def test_the_api_and_the_list_page_show_the_visible_total(
    client_for: Any, owner: Any, outsider: Any, private_incident: Any, incident: Any
) -> None:
    for _ in range(3):
        IncidentFactory()
    for user in (owner, outsider):
        expected = Incident.objects.visible_to(user).count()
        body = client_as(user).get("/api/v1/incidents/?page_size=2").json()
        assert body["count"] == expected
        assert len(body["results"]) == 2
        filtered = client_as(user).get("/api/v1/incidents/?severity=SEV1").json()
        assert filtered["count"] == selectors.incident_list(user=user, filters={"severity": ["SEV1"]}).count()
        page = client_for(user).get(reverse("incident-list"))
        assert page.context["page"].paginator.count == expected
    assert client_as(owner).get("/api/v1/incidents/").json()["count"] == 5
    assert client_as(outsider).get("/api/v1/incidents/").json()["count"] == 4
