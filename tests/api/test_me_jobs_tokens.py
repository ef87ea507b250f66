from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from incidents.jobs import job_enqueue
from incidents.models import ApiToken, Incident
from incidents.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


class TestMe:
    def test_it_shows_and_changes_the_callers_profile(self, client_as: Any, viewer: Any) -> None:
        client = client_as(viewer)

        assert client.get("/api/v1/me/").json() == {
            "username": "vera",
            "timezone": "UTC",
            "quiet_hours_start": "20:00",
            "quiet_hours_end": "08:00",
            "quiet_weekends": True,
        }
        response = client.patch(
            "/api/v1/me/",
            {
                "timezone": "Europe/Paris",
                "quiet_hours_start": "22:30",
                "quiet_hours_end": "07:00",
                "quiet_weekends": False,
            },
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["quiet_hours_start"] == "22:30"
        viewer.profile.refresh_from_db()
        assert viewer.profile.timezone == "Europe/Paris"

    def test_it_turns_quiet_hours_off_with_nulls(self, as_owner: Any) -> None:
        response = as_owner.patch(
            "/api/v1/me/", {"quiet_hours_start": None, "quiet_hours_end": None}, format="json"
        )

        assert response.json()["quiet_hours_start"] is None
        assert response.json()["quiet_hours_end"] is None

    @pytest.mark.parametrize(
        "payload",
        [
            {"timezone": "Mars/Olympus"},
            {"quiet_hours_start": "25:00"},
            {"quiet_hours_start": 20},
            {"quiet_hours_start": None},
            {"username": "someone-else"},
            {"quiet_weekends": "no"},
        ],
    )
    def test_it_refuses_bad_profile_changes(self, as_owner: Any, owner: Any, payload: dict[str, Any]) -> None:
        response = as_owner.patch("/api/v1/me/", payload, format="json")

        assert response.status_code == 400
        owner.profile.refresh_from_db()
        assert owner.profile.timezone == "UTC"
        assert owner.profile.quiet_hours_start is not None
        assert owner.username == "olivia"

    def test_it_rejects_anonymous_callers(self) -> None:
        assert APIClient().get("/api/v1/me/").status_code == 401


class TestJobs:
    def test_it_shows_a_job_about_a_visible_incident(self, as_owner: Any, incident: Incident) -> None:
        job = job_enqueue(
            name="postmortems.generate", kwargs={"incident_id": incident.pk}, incident_id=incident.pk
        )

        body = as_owner.get(f"/api/v1/jobs/{job.pk}/").json()

        assert body["id"] == str(job.pk)
        assert body["status"] in ("queued", "running", "succeeded", "failed")
        assert set(body) == {"id", "name", "status", "error", "created_at", "started_at", "finished_at"}

    def test_it_hides_jobs_about_private_incidents_from_outsiders(
        self, client_as: Any, outsider: Any, private_incident: Incident
    ) -> None:
        job = job_enqueue(name="postmortems.generate", incident_id=private_incident.pk)

        assert client_as(outsider).get(f"/api/v1/jobs/{job.pk}/").status_code == 404

    def test_it_shows_the_caller_the_jobs_they_started(self, client_as: Any, viewer: Any) -> None:
        job = job_enqueue(name="reminders.digest", actor=viewer)
        other = job_enqueue(name="reminders.digest")

        assert client_as(viewer).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
        assert client_as(viewer).get(f"/api/v1/jobs/{other.pk}/").status_code == 404


class TestTokens:
    def test_the_command_prints_a_working_key(self, owner: Any) -> None:
        out = StringIO()

        call_command("create_api_token", "olivia", "--name", "deploy bot", stdout=out, stderr=StringIO())

        key = out.getvalue().strip()
        token = ApiToken.objects.get(user=owner)
        assert token.name == "deploy bot"
        assert token.key_hash == ApiToken.hash_key(key)
        assert key not in token.key_hash
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/me/").json()["username"] == "olivia"
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_the_command_makes_integration_tokens(self, owner: Any) -> None:
        call_command("create_api_token", "olivia", "--integration", stdout=StringIO(), stderr=StringIO())

        assert ApiToken.objects.get(user=owner).is_integration is True

    def test_the_command_refuses_unknown_users(self, db: Any) -> None:
        with pytest.raises(CommandError, match="No user called"):
            call_command("create_api_token", "ghost", stdout=StringIO(), stderr=StringIO())

    def test_a_revoked_token_stops_working(self, owner: Any) -> None:
        token, key = api_token_create(user=owner, name="old")
        api_token_revoke(token=token)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        assert client.get("/api/v1/me/").status_code == 401

    def test_a_token_of_a_deactivated_user_stops_working(self, owner: Any) -> None:
        _, key = api_token_create(user=owner, name="old")
        owner.is_active = False
        owner.save()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        assert client.get("/api/v1/me/").status_code == 401

    def test_a_malformed_authorization_header_is_a_401(self, db: Any) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token two parts")

        assert client.get("/api/v1/me/").status_code == 401
