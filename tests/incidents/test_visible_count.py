"""The kept count of public incidents, and `incident_count`, always equal counting the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import PUBLIC_INCIDENTS_COUNTER, Counter, Incident
from incidents.services import api_token_create, incident_declare, incident_update
from incidents.signals import recount_public_incidents
from tests.factories import IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("owner", "participant", "outsider", "viewer", "admin_user", "no_group_user")


def kept() -> int:
    return Counter.objects.get(name=PUBLIC_INCIDENTS_COUNTER).value


def assert_exact(request: Any) -> None:
    assert kept() == Incident.objects.filter(private=False).count()
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        assert selectors.incident_count(user=user) == selectors.incident_list(user=user).count(), persona


def test_every_way_an_incident_appears_changes_or_goes_keeps_the_count_exact(
    request: Any, owner: Any, participant: Any, outsider: Any, admin_user: Any
) -> None:
    assert_exact(request)
    public = incident_declare(actor=owner, title="Checkout errors", severity="SEV2")
    secret = incident_declare(actor=owner, title="Key leak", severity="SEV1", private=True)
    IncidentFactory(title="Factory public")
    IncidentFactory(title="Factory private", private=True, commander=participant)
    assert_exact(request)

    incident_update(incident=public, actor=owner, data={"private": True})
    assert_exact(request)
    incident_update(incident=secret, actor=owner, data={"private": False})
    incident_update(incident=secret, actor=owner, data={"title": "Key leak (rotated)"})
    assert_exact(request)

    # Writing in a private incident makes it visible to the writer, counted through the rule.
    TimelineEventFactory(incident=Incident.objects.get(pk=public.pk), author=outsider)
    assert_exact(request)

    # A stale copy saved again, an instance loaded without `private`, a delete of each kind.
    stale = Incident.objects.get(pk=secret.pk)
    stale.private = True
    stale.save()
    deferred = Incident.objects.only("title").get(pk=public.pk)
    deferred.title = "Renamed"
    deferred.save()
    assert_exact(request)
    Incident.objects.get(pk=secret.pk).delete()
    Incident.objects.filter(title="Factory public").get().delete()
    assert_exact(request)


def test_a_rolled_back_declaration_leaves_the_count_alone(request: Any, owner: Any) -> None:
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 — declare, then fail
        incident_declare(actor=owner, title="Declared, then the request failed", severity="SEV3")
        assert kept() == before + 1
        raise RuntimeError
    assert kept() == before
    assert_exact(request)


def test_generated_data_and_a_recount_keep_the_count(request: Any) -> None:
    call_command("generate_data", incidents=40, events_per_incident=2, private_share=0.3, seed=3, verbosity=0)
    assert_exact(request)
    Counter.objects.filter(name=PUBLIC_INCIDENTS_COUNTER).update(value=999)
    recount_public_incidents()
    assert_exact(request)


def test_without_the_kept_row_incidents_are_counted_directly(request: Any, owner: Any) -> None:
    IncidentFactory(title="Counted anyway")
    Counter.objects.filter(name=PUBLIC_INCIDENTS_COUNTER).delete()
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        assert selectors.incident_count(user=user) == selectors.incident_list(user=user).count()


def client_as(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='tests')[1]}")
    return client


def test_the_api_and_the_list_page_show_the_visible_total(
    client_for: Any, owner: Any, outsider: Any, private_incident: Any, incident: Any
) -> None:
    for _ in range(3):
        IncidentFactory()
    for user in (owner, outsider):
        expected = selectors.incident_list(user=user).count()
        body = client_as(user).get("/api/v1/incidents/?page_size=2").json()
        assert body["count"] == expected
        assert len(body["results"]) == 2
        # A filter is counted the usual way, through the same rule.
        filtered = client_as(user).get("/api/v1/incidents/?severity=SEV1").json()
        assert filtered["count"] == selectors.incident_list(user=user, filters={"severity": ["SEV1"]}).count()
        page = client_for(user).get(reverse("incident-list"))
        assert page.context["page"].paginator.count == expected
    assert client_as(owner).get("/api/v1/incidents/").json()["count"] == 5
    assert client_as(outsider).get("/api/v1/incidents/").json()["count"] == 4


def test_each_way_into_a_private_incident_counts_once(
    owner: Any, participant: Any, outsider: Any, viewer: Any, admin_user: Any
) -> None:
    """The count's own form of the rule (plain subqueries) against `visible_incidents_q`, one
    private incident per way in, and one that is reached four ways at once."""
    from django.utils import timezone

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

    assert selectors.incident_count(user=outsider) == 1 + 6 == selectors.incident_list(user=outsider).count()
    assert selectors.incident_count(user=viewer) == 1 == selectors.incident_list(user=viewer).count()
    assert selectors.incident_count(user=admin_user) == 8 == selectors.incident_list(user=admin_user).count()


def test_a_prolific_writer_counts_each_private_incident_they_wrote_in_once(outsider: Any, owner: Any) -> None:
    """The count walks the incidents a user wrote in, not their entries: many entries, spread over
    public and private incidents with ids in any order, still count each private incident once."""
    incidents = [IncidentFactory(private=n % 2 == 0, commander=owner) for n in range(9)]
    for round_ in range(4):
        for incident in reversed(incidents):
            TimelineEventFactory(incident=incident, author=outsider, body=f"Round {round_}")
    written_private = sum(1 for incident in incidents if incident.private)

    public = Incident.objects.filter(private=False).count()
    assert selectors.incident_count(user=outsider) == public + written_private
    assert selectors.incident_count(user=outsider) == selectors.incident_list(user=outsider).count()
