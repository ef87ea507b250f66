from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from tests.factories import CauseFactory, RemediationActionFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestCauses:
    def test_it_records_a_suspected_cause_with_evidence(self, as_owner: Any, incident: Incident) -> None:
        event = TimelineEventFactory(incident=incident)

        response = as_owner.post(
            f"/api/v1/incidents/{incident.reference}/causes/",
            {"category": "change", "role": "trigger", "description": "Deploy 142", "evidence": [event.pk]},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "suspected"
        assert body["evidence"] == [event.pk]
        assert body["incident"] == incident.reference
        listing = as_owner.get(f"/api/v1/incidents/{incident.pk}/causes/").json()
        assert [cause["id"] for cause in listing["results"]] == [body["id"]]

    def test_it_confirms_then_deletes_a_cause(self, as_owner: Any, incident: Incident) -> None:
        cause = CauseFactory(incident=incident)

        response = as_owner.patch(f"/api/v1/causes/{cause.pk}/", {"status": "confirmed"}, format="json")

        assert response.status_code == 200
        assert response.json()["status"] == "confirmed"
        assert as_owner.delete(f"/api/v1/causes/{cause.pk}/").status_code == 204
        assert not Cause.objects.filter(pk=cause.pk).exists()

    def test_it_keeps_causes_of_private_incidents_from_outsiders(
        self, client_as: Any, outsider: Any, private_incident: Incident
    ) -> None:
        cause = CauseFactory(incident=private_incident)
        client = client_as(outsider)

        assert client.get(f"/api/v1/causes/{cause.pk}/").status_code == 404
        assert (
            client.patch(f"/api/v1/causes/{cause.pk}/", {"status": "ruled_out"}, format="json").status_code
            == 404
        )
        assert client.delete(f"/api/v1/causes/{cause.pk}/").status_code == 404
        cause.refresh_from_db()
        assert cause.status == "suspected"

    def test_it_lets_viewers_read_causes_only(self, client_as: Any, viewer: Any, incident: Incident) -> None:
        cause = CauseFactory(incident=incident)
        client = client_as(viewer)

        assert client.get(f"/api/v1/causes/{cause.pk}/").status_code == 200
        assert client.delete(f"/api/v1/causes/{cause.pk}/").status_code == 403
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/causes/",
            {"category": "data", "description": "x"},
            format="json",
        )
        assert response.status_code == 403
        assert Cause.objects.count() == 1


class TestActions:
    def test_it_adds_an_action_item_with_a_default_due_date(self, as_owner: Any, incident: Incident) -> None:
        UserFactory(username="dana", role="responder")

        response = as_owner.post(
            f"/api/v1/incidents/{incident.pk}/actions/",
            {"title": "Alert on queue depth", "priority": "P1", "owner": "dana", "kind": "detect"},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert body["owner"] == "dana"
        assert body["due_date"] == (timezone.localdate() + timedelta(days=14)).isoformat()
        assert body["overdue"] is False
        listing = as_owner.get(f"/api/v1/incidents/{incident.reference}/actions/").json()
        assert listing["count"] == 1
        assert listing["results"][0]["title"] == "Alert on queue depth"

    def test_it_closes_an_item_with_a_note(self, as_owner: Any, incident: Incident) -> None:
        action = RemediationActionFactory(incident=incident)

        refused = as_owner.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"}, format="json")
        done = as_owner.patch(
            f"/api/v1/actions/{action.pk}/",
            {"status": "done", "completion_note": "https://git.example.com/pr/9"},
            format="json",
        )

        assert refused.status_code == 400
        assert "completion_note" in refused.json()
        assert done.status_code == 200
        assert done.json()["completed_at"] is not None

    def test_it_lists_items_across_incidents_by_owner_status_and_overdue(
        self, as_owner: Any, owner: Any, incident: Incident, private_incident: Incident
    ) -> None:
        late = RemediationActionFactory(
            incident=incident, owner=owner, due_date=timezone.localdate() - timedelta(days=3)
        )
        RemediationActionFactory(incident=incident, owner=owner)
        RemediationActionFactory(incident=incident, status="done", completion_note="ok", owner=None)

        assert as_owner.get("/api/v1/actions/").json()["count"] == 3
        assert as_owner.get("/api/v1/actions/?owner=olivia").json()["count"] == 2
        overdue = as_owner.get("/api/v1/actions/?owner=olivia&overdue=true").json()
        assert [item["id"] for item in overdue["results"]] == [late.pk]
        assert overdue["results"][0]["overdue"] is True
        assert as_owner.get("/api/v1/actions/?status=done").json()["count"] == 1

    def test_it_never_counts_items_of_private_incidents_for_outsiders(
        self, client_as: Any, outsider: Any, incident: Incident, private_incident: Incident
    ) -> None:
        RemediationActionFactory(incident=incident)
        hidden = RemediationActionFactory(incident=private_incident)
        client = client_as(outsider)

        assert client.get("/api/v1/actions/").json()["count"] == 1
        assert client.get(f"/api/v1/actions/{hidden.pk}/").status_code == 404
        assert client.patch(f"/api/v1/actions/{hidden.pk}/", {"title": "x"}, format="json").status_code == 404

    def test_it_lets_viewers_read_items_only(self, client_as: Any, viewer: Any, incident: Incident) -> None:
        action = RemediationActionFactory(incident=incident, title="Keep")
        client = client_as(viewer)

        assert client.get(f"/api/v1/actions/{action.pk}/").status_code == 200
        assert client.patch(f"/api/v1/actions/{action.pk}/", {"title": "x"}, format="json").status_code == 403
        action.refresh_from_db()
        assert action.title == "Keep"
        assert RemediationAction.objects.count() == 1


class TestStatusUpdates:
    def test_it_posts_an_update_that_also_appears_in_the_timeline(
        self, as_owner: Any, incident: Incident
    ) -> None:
        response = as_owner.post(
            f"/api/v1/incidents/{incident.reference}/updates/",
            {"audience": "public", "message": "We identified the cause."},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "investigating"
        assert body["author"] == "olivia"
        event = incident.events.get(kind="communication")
        assert event.source == "api"
        assert "We identified the cause." in event.body
        listing = as_owner.get(f"/api/v1/incidents/{incident.pk}/updates/").json()
        assert [item["id"] for item in listing["results"]] == [body["id"]]

    def test_it_lets_viewers_read_updates_only(self, client_as: Any, viewer: Any, incident: Incident) -> None:
        client = client_as(viewer)

        assert client.get(f"/api/v1/incidents/{incident.pk}/updates/").status_code == 200
        response = client.post(f"/api/v1/incidents/{incident.pk}/updates/", {"message": "x"}, format="json")
        assert response.status_code == 403
        assert StatusUpdate.objects.count() == 0
