"""Incident roles in the API: `roles` beside `commander`, which keeps working as before."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_incident_lists_its_roles_and_keeps_commander_as_a_username(as_owner, owner, incident):
    body = as_owner.get(f"/api/v1/incidents/{incident.reference}/").json()
    assert body["commander"] == owner.username
    assert body["roles"] == {"communications_lead": None, "scribe": None}


def test_patch_names_roles_and_the_commander_in_one_request(as_owner, incident):
    UserFactory(username="maya", role="responder")
    UserFactory(username="jonas", role="responder")
    response = as_owner.patch(
        f"/api/v1/incidents/{incident.reference}/",
        {"commander": "jonas", "roles": {"communications_lead": "maya", "scribe": None}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["commander"] == "jonas"
    assert response.json()["roles"] == {"communications_lead": "maya", "scribe": None}
    bodies = set(incident.events.filter(kind="role_change").values_list("body", flat=True))
    assert "Communications lead changed from nobody to maya." in bodies
    assert any(body.startswith("Incident commander changed from") for body in bodies)


@pytest.mark.parametrize(
    "roles",
    [{"janitor": "maya"}, {"scribe": "ghost"}, ["scribe"], {"scribe": 7}, "scribe"],
)
def test_bad_roles_are_a_400_naming_the_field_and_change_nothing(as_owner, incident, roles):
    response = as_owner.patch(
        f"/api/v1/incidents/{incident.reference}/", {"roles": roles, "title": "Changed"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "roles" in response.json()
    incident.refresh_from_db()
    assert incident.title != "Changed"
    assert not incident.roles.exists()


def test_the_list_keeps_its_shape(as_owner, incident):
    row = as_owner.get("/api/v1/incidents/").json()["results"][0]
    assert "commander" in row
    assert "roles" not in row
