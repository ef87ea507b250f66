from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident, Service
from tests.factories import IncidentFactory, ServiceFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def references(response: Any) -> list[str]:
    return [item["reference"] for item in response.json()["results"]]


def test_it_declares_an_incident_with_a_title_and_a_severity(as_owner: Any, owner: Any) -> None:
    response = as_owner.post(
        "/api/v1/incidents/", {"title": "Checkout 500s", "severity": "SEV2"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("INC-")
    assert body["reporter"] == "olivia"
    assert body["commander"] == "olivia"
    assert body["status"] == "investigating"
    assert body["started_at"] == body["detected_at"]
    assert body["time_to_detect"] == 0
    assert body["version"] == 1
    assert response["Location"].endswith(f"/api/v1/incidents/{body['reference']}/")
    incident = Incident.objects.get(reference=body["reference"])
    assert incident.events.filter(kind="status_change", source="system").exists()


def test_it_creates_services_named_for_the_first_time_and_reuses_known_ones(as_owner: Any) -> None:
    ServiceFactory(name="payments")
    response = as_owner.post(
        "/api/v1/incidents/",
        {
            "title": "Card declines",
            "severity": "SEV1",
            "services": ["Payments", "ledger"],
            "commander": "paul",
        },
        format="json",
    )

    assert response.status_code == 400  # paul does not exist yet
    assert "commander" in response.json()
    assert not Service.objects.filter(name="ledger").exists()

    response = as_owner.post(
        "/api/v1/incidents/",
        {"title": "Card declines", "severity": "SEV1", "services": ["Payments", "ledger"]},
        format="json",
    )
    assert response.status_code == 201
    assert sorted(response.json()["services"]) == ["ledger", "payments"]
    assert Service.objects.count() == 2


def test_it_reads_back_durations_in_seconds_from_the_start(as_owner: Any, owner: Any) -> None:
    start = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(
        commander=owner,
        started_at=start,
        detected_at=start + timedelta(minutes=10),
        acknowledged_at=start + timedelta(minutes=15),
        mitigated_at=start + timedelta(hours=1),
    )

    body = as_owner.get(f"/api/v1/incidents/{incident.reference}/").json()

    assert body["time_to_detect"] == 600
    assert body["time_to_acknowledge"] == 900
    assert body["time_to_mitigate"] == 3600
    assert body["time_to_resolve"] is None


def test_it_finds_an_incident_by_reference_or_numeric_id(as_owner: Any, incident: Incident) -> None:
    by_reference = as_owner.get(f"/api/v1/incidents/{incident.reference.lower()}/")
    by_id = as_owner.get(f"/api/v1/incidents/{incident.pk}/")

    assert by_reference.status_code == by_id.status_code == 200
    assert by_reference.json()["id"] == by_id.json()["id"] == incident.pk
    assert by_id["ETag"] == '"1"'


@pytest.mark.parametrize("ref", ["INC-999999", "999999", "INC-x", "²", "99999999999999999999999", "0"])
def test_it_answers_404_for_incidents_that_do_not_exist(as_owner: Any, ref: str) -> None:
    response = as_owner.get(f"/api/v1/incidents/{ref}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such incident."}


def test_it_filters_by_severity_status_service_search_and_start(as_owner: Any, owner: Any) -> None:
    api = ServiceFactory(name="api")
    now = timezone.now()
    old = IncidentFactory(title="Old disk full", severity="SEV3", started_at=now - timedelta(days=40))
    new = IncidentFactory(title="Checkout latency", severity="SEV1", services=[api])
    resolved = IncidentFactory(title="Cache stampede", severity="SEV1", status="resolved")

    assert set(references(as_owner.get("/api/v1/incidents/?severity=SEV1"))) == {
        new.reference,
        resolved.reference,
    }
    assert references(as_owner.get("/api/v1/incidents/?status=resolved")) == [resolved.reference]
    assert references(as_owner.get("/api/v1/incidents/?service=API")) == [new.reference]
    assert references(as_owner.get("/api/v1/incidents/?q=disk")) == [old.reference]
    after = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert old.reference not in references(as_owner.get("/api/v1/incidents/", {"started_after": after}))
    before = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert references(as_owner.get("/api/v1/incidents/", {"started_before": before})) == [old.reference]


def test_it_refuses_unknown_filter_values(as_owner: Any) -> None:
    assert as_owner.get("/api/v1/incidents/?severity=SEV9").status_code == 400
    assert as_owner.get("/api/v1/incidents/?started_after=yesterday").status_code == 400


def test_it_pages_results_and_answers_404_for_a_page_past_the_end(as_owner: Any) -> None:
    for _ in range(3):
        IncidentFactory()

    first = as_owner.get("/api/v1/incidents/?page_size=2").json()
    second = as_owner.get(first["next"]).json()

    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert as_owner.get("/api/v1/incidents/?page=9").status_code == 404
    assert as_owner.get("/api/v1/incidents/?page=abc").status_code == 404


def test_it_edits_an_incident_and_records_the_changes(as_owner: Any, incident: Incident) -> None:
    response = as_owner.patch(
        f"/api/v1/incidents/{incident.reference}/",
        {"status": "monitoring", "severity": "SEV1", "tags": ["db"], "version": 1},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "monitoring"
    assert body["mitigated_at"] is not None
    assert body["version"] == 2
    assert response["ETag"] == '"2"'
    kinds = set(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {"status_change", "severity_change", "milestone"} <= kinds


def test_it_marks_a_duplicate_by_reference(as_owner: Any, incident: Incident) -> None:
    original = IncidentFactory()

    response = as_owner.patch(
        f"/api/v1/incidents/{incident.pk}/", {"duplicate_of": original.reference}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["duplicate_of"] == original.reference
    response = as_owner.patch(
        f"/api/v1/incidents/{incident.pk}/", {"duplicate_of": "INC-424242"}, format="json"
    )
    assert response.status_code == 400
    assert "duplicate_of" in response.json()


class TestOptimisticConcurrency:
    def test_it_refuses_a_stale_version_field_with_409_and_writes_nothing(
        self, as_owner: Any, incident: Incident
    ) -> None:
        as_owner.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "First edit"}, format="json")
        events_before = TimelineEvent.objects.count()

        response = as_owner.patch(
            f"/api/v1/incidents/{incident.pk}/",
            {"title": "Second edit", "status": "resolved", "version": 1},
            format="json",
        )

        assert response.status_code == 409
        assert response.json()["version"] == 2
        incident.refresh_from_db()
        assert incident.title == "First edit"
        assert incident.status == "investigating"
        assert TimelineEvent.objects.count() == events_before

    def test_it_refuses_a_stale_if_match_header(self, as_owner: Any, incident: Incident) -> None:
        etag = as_owner.get(f"/api/v1/incidents/{incident.pk}/")["ETag"]
        as_owner.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "Someone else"}, format="json")

        response = as_owner.patch(
            f"/api/v1/incidents/{incident.pk}/", {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag
        )

        assert response.status_code == 409
        incident.refresh_from_db()
        assert incident.title == "Someone else"

    def test_it_accepts_the_current_if_match(self, as_owner: Any, incident: Incident) -> None:
        response = as_owner.patch(
            f"/api/v1/incidents/{incident.pk}/", {"title": "Mine"}, format="json", HTTP_IF_MATCH='"1"'
        )

        assert response.status_code == 200
        assert response.json()["version"] == 2

    def test_it_refuses_a_garbled_if_match(self, as_owner: Any, incident: Incident) -> None:
        response = as_owner.patch(
            f"/api/v1/incidents/{incident.pk}/", {"title": "Mine"}, format="json", HTTP_IF_MATCH="yesterday"
        )

        assert response.status_code == 400
        incident.refresh_from_db()
        assert incident.version == 1


class TestPersonas:
    def test_it_rejects_anonymous_callers(self, client_as: Any, incident: Incident) -> None:
        response = client_as(None).get("/api/v1/incidents/")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    def test_it_rejects_a_bad_token(self, incident: Incident) -> None:
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

        assert client.get("/api/v1/incidents/").status_code == 401
        assert (
            client.post("/api/v1/incidents/", {"title": "x", "severity": "SEV1"}, format="json").status_code
            == 401
        )
        assert Incident.objects.count() == 1

    def test_it_hides_private_incidents_from_outsiders_everywhere(
        self, client_as: Any, outsider: Any, incident: Incident, private_incident: Incident
    ) -> None:
        client = client_as(outsider)

        listing = client.get("/api/v1/incidents/").json()
        assert listing["count"] == 1
        assert references_of(listing) == [incident.reference]
        assert client.get(f"/api/v1/incidents/?q={private_incident.title}").json()["count"] == 0
        assert client.get(f"/api/v1/incidents/?q={private_incident.reference}").json()["count"] == 0
        assert client.get(f"/api/v1/incidents/{private_incident.reference}/").status_code == 404
        assert client.get(f"/api/v1/incidents/{private_incident.pk}/").status_code == 404
        response = client.patch(
            f"/api/v1/incidents/{private_incident.pk}/", {"title": "Mine now"}, format="json"
        )
        assert response.status_code == 404
        for child in ("timeline", "causes", "actions", "updates"):
            assert client.get(f"/api/v1/incidents/{private_incident.pk}/{child}/").status_code == 404

    @pytest.mark.parametrize("persona", ["owner", "participant", "admin_user"])
    def test_it_shows_private_incidents_to_participants_and_admins(
        self, request: Any, client_as: Any, private_incident: Incident, persona: str
    ) -> None:
        client = client_as(request.getfixturevalue(persona))

        assert client.get(f"/api/v1/incidents/{private_incident.reference}/").status_code == 200
        assert private_incident.reference in references_of(client.get("/api/v1/incidents/").json())

    @pytest.mark.parametrize("persona", ["viewer", "no_group_user"])
    def test_it_lets_viewers_read_but_not_write(
        self, request: Any, client_as: Any, incident: Incident, persona: str
    ) -> None:
        client = client_as(request.getfixturevalue(persona))

        assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
        assert (
            client.post("/api/v1/incidents/", {"title": "x", "severity": "SEV1"}, format="json").status_code
            == 403
        )
        assert (
            client.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "x"}, format="json").status_code
            == 403
        )
        assert Incident.objects.count() == 1
        incident.refresh_from_db()
        assert incident.title == "Search latency"

    def test_it_lets_an_outsider_responder_edit_a_public_incident(
        self, client_as: Any, outsider: Any, incident: Incident
    ) -> None:
        response = client_as(outsider).patch(
            f"/api/v1/incidents/{incident.pk}/", {"summary": "Found it"}, format="json"
        )

        assert response.status_code == 200

    def test_it_refuses_integration_tokens_outside_webhooks(
        self, client_as: Any, owner: Any, incident: Any
    ) -> None:
        client = client_as(owner, integration=True)

        assert client.get("/api/v1/incidents/").status_code == 403
        assert client.get("/api/v1/me/").status_code == 403

    def test_it_accepts_the_browser_session_and_enforces_csrf(self, owner: Any, incident: Incident) -> None:
        from rest_framework.test import APIClient

        client = APIClient(enforce_csrf_checks=True)
        client.force_login(owner)

        assert client.get("/api/v1/incidents/").status_code == 200
        response = client.post("/api/v1/incidents/", {"title": "x", "severity": "SEV1"}, format="json")
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]
        assert Incident.objects.count() == 1


def references_of(listing: dict[str, Any]) -> list[str]:
    return [item["reference"] for item in listing["results"]]


def test_it_does_not_name_a_private_original_to_outsiders(
    client_as: Any, owner: Any, outsider: Any, incident: Incident, private_incident: Incident
) -> None:
    client_as(owner).patch(
        f"/api/v1/incidents/{incident.pk}/", {"duplicate_of": private_incident.reference}, format="json"
    )

    assert (
        client_as(owner).get(f"/api/v1/incidents/{incident.pk}/").json()["duplicate_of"]
        == private_incident.reference
    )
    assert client_as(outsider).get(f"/api/v1/incidents/{incident.pk}/").json()["duplicate_of"] is None
