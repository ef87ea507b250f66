from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident
from tests.factories import TimelineEventFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def test_it_adds_a_back_dated_entry_written_through_the_api(as_owner: Any, incident: Incident) -> None:
    when = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)

    response = as_owner.post(
        f"/api/v1/incidents/{incident.reference}/timeline/",
        {"body": "Rolled back deploy 142", "kind": "action", "occurred_at": when.isoformat(), "is_key": True},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "api"
    assert body["author"] == "olivia"
    assert body["incident"] == incident.reference
    assert body["is_key"] is True
    assert body["occurred_at"] == when.isoformat().replace("+00:00", "Z")
    assert TimelineEvent.objects.get(pk=body["id"]).occurred_at == when


def test_it_reads_a_naive_time_in_the_callers_timezone(as_owner: Any, owner: Any, incident: Incident) -> None:
    owner.profile.timezone = "Europe/Paris"
    owner.profile.save()
    local = timezone.now().astimezone(timezone.get_fixed_timezone(0)) - timedelta(hours=3)

    from zoneinfo import ZoneInfo

    paris = local.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None, microsecond=0)
    response = as_owner.post(
        f"/api/v1/incidents/{incident.pk}/timeline/",
        {"body": "Paged", "occurred_at": paris.isoformat()},
        format="json",
    )

    assert response.status_code == 201
    stored = TimelineEvent.objects.get(pk=response.json()["id"]).occurred_at
    assert stored == paris.replace(tzinfo=ZoneInfo("Europe/Paris"))


def test_it_lists_the_timeline_in_order_of_occurrence(as_owner: Any, incident: Incident) -> None:
    now = timezone.now()
    late = TimelineEventFactory(incident=incident, occurred_at=now - timedelta(minutes=1), body="late")
    early = TimelineEventFactory(incident=incident, occurred_at=now - timedelta(minutes=50), body="early")

    results = as_owner.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()["results"]

    assert [item["id"] for item in results] == [early.pk, late.pk]


def test_it_edits_an_entry_and_keeps_the_old_text(as_owner: Any, incident: Incident) -> None:
    event = TimelineEventFactory(incident=incident, body="Restarted db-1", author=None)

    response = as_owner.patch(
        f"/api/v1/timeline-events/{event.pk}/", {"body": "Restarted db-2"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["body"] == "Restarted db-2"
    assert response.json()["edited_at"] is not None
    assert "Restarted db-1" in event.history.values_list("body", flat=True)


def test_it_soft_deletes_an_entry(as_owner: Any, incident: Incident) -> None:
    event = TimelineEventFactory(incident=incident)

    response = as_owner.delete(f"/api/v1/timeline-events/{event.pk}/")

    assert response.status_code == 204
    assert as_owner.get(f"/api/v1/timeline-events/{event.pk}/").status_code == 404
    ids = [
        item["id"] for item in as_owner.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()["results"]
    ]
    assert event.pk not in ids
    assert TimelineEvent.all_objects.get(pk=event.pk).deleted_at is not None


def test_it_refuses_system_kinds_from_people(as_owner: Any, incident: Incident) -> None:
    before = TimelineEvent.objects.count()

    response = as_owner.post(
        f"/api/v1/incidents/{incident.pk}/timeline/", {"body": "x", "kind": "status_change"}, format="json"
    )

    assert response.status_code == 400
    assert "kind" in response.json()
    assert TimelineEvent.objects.count() == before


def test_it_refuses_entries_in_the_future(as_owner: Any, incident: Incident) -> None:
    when = (timezone.now() + timedelta(days=1)).isoformat()

    response = as_owner.post(
        f"/api/v1/incidents/{incident.pk}/timeline/", {"body": "x", "occurred_at": when}, format="json"
    )

    assert response.status_code == 400
    assert "occurred_at" in response.json()


class TestPersonas:
    def test_it_lets_viewers_read_the_timeline_but_not_write_it(
        self, client_as: Any, viewer: Any, incident: Incident
    ) -> None:
        event = TimelineEventFactory(incident=incident, body="Original")
        client = client_as(viewer)

        assert client.get(f"/api/v1/incidents/{incident.pk}/timeline/").status_code == 200
        assert client.get(f"/api/v1/timeline-events/{event.pk}/").status_code == 200
        assert (
            client.post(
                f"/api/v1/incidents/{incident.pk}/timeline/", {"body": "x"}, format="json"
            ).status_code
            == 403
        )
        assert (
            client.patch(f"/api/v1/timeline-events/{event.pk}/", {"body": "x"}, format="json").status_code
            == 403
        )
        assert client.delete(f"/api/v1/timeline-events/{event.pk}/").status_code == 403
        event.refresh_from_db()
        assert event.body == "Original"
        assert event.deleted_at is None

    def test_it_hides_private_timelines_from_outsiders(
        self, client_as: Any, outsider: Any, private_incident: Incident
    ) -> None:
        event = TimelineEventFactory(incident=private_incident)
        client = client_as(outsider)

        assert client.get(f"/api/v1/timeline-events/{event.pk}/").status_code == 404
        assert (
            client.patch(f"/api/v1/timeline-events/{event.pk}/", {"body": "x"}, format="json").status_code
            == 404
        )
        assert client.delete(f"/api/v1/timeline-events/{event.pk}/").status_code == 404
        assert (
            client.post(
                f"/api/v1/incidents/{private_incident.pk}/timeline/", {"body": "x"}, format="json"
            ).status_code
            == 404
        )
        assert TimelineEvent.objects.filter(incident=private_incident).count() == 1

    def test_it_lets_a_participant_write_in_a_private_timeline(
        self, client_as: Any, participant: Any, private_incident: Incident
    ) -> None:
        response = client_as(participant).post(
            f"/api/v1/incidents/{private_incident.reference}/timeline/", {"body": "On it"}, format="json"
        )

        assert response.status_code == 201
        assert response.json()["author"] == "paul"

    def test_it_rejects_anonymous_callers(self, client_as: Any, incident: Incident) -> None:
        assert client_as(None).get(f"/api/v1/incidents/{incident.pk}/timeline/").status_code == 401


def test_an_admin_restores_a_deleted_entry(
    client_as: Any, admin_user: Any, owner: Any, incident: Incident
) -> None:
    event = TimelineEventFactory(incident=incident)
    client_as(owner).delete(f"/api/v1/timeline-events/{event.pk}/")

    refused = client_as(owner).post(f"/api/v1/timeline-events/{event.pk}/restore/")
    restored = client_as(admin_user).post(f"/api/v1/timeline-events/{event.pk}/restore/")

    assert refused.status_code == 403
    assert restored.status_code == 200
    assert client_as(owner).get(f"/api/v1/timeline-events/{event.pk}/").status_code == 200
