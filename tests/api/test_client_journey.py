"""A script holding only a token and the schema runs an incident from declaration to follow-up."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_a_script_runs_an_incident_end_to_end(client_as: Any, owner: Any, participant: Any) -> None:
    api = client_as(owner)
    schema = api.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/incidents/{incident_id}/timeline/" in schema["paths"]

    incident = api.post(
        "/api/v1/incidents/",
        {"title": "Login failures", "severity": "SEV2", "services": ["auth"], "private": True},
        format="json",
    ).json()
    ref = incident["reference"]
    detection = api.post(
        f"/api/v1/incidents/{ref}/timeline/",
        {"kind": "detection", "body": "Login alarm fired"},
        format="json",
    ).json()
    cause = api.post(
        f"/api/v1/incidents/{ref}/causes/",
        {
            "category": "change",
            "role": "trigger",
            "description": "Config push",
            "evidence": [detection["id"]],
        },
        format="json",
    ).json()
    api.patch(f"/api/v1/causes/{cause['id']}/", {"status": "confirmed"}, format="json")
    api.post(
        f"/api/v1/incidents/{ref}/updates/",
        {"message": "Rolling back", "audience": "internal"},
        format="json",
    )
    mitigated = api.patch(
        f"/api/v1/incidents/{ref}/", {"status": "monitoring", "version": incident["version"]}, format="json"
    ).json()
    resolved = api.patch(
        f"/api/v1/incidents/{ref}/",
        {"status": "resolved"},
        format="json",
        HTTP_IF_MATCH=f'"{mitigated["version"]}"',
    ).json()
    action = api.post(
        f"/api/v1/incidents/{ref}/actions/",
        {"title": "Validate config before push", "owner": "paul", "priority": "P1", "causes": [cause["id"]]},
        format="json",
    ).json()

    assert resolved["status"] == "resolved"
    assert resolved["time_to_resolve"] is not None
    kinds = [event["kind"] for event in api.get(f"/api/v1/incidents/{ref}/timeline/").json()["results"]]
    assert {"status_change", "detection", "communication"} <= set(kinds)
    assert api.get("/api/v1/incidents/?status=resolved&service=auth").json()["count"] == 1
    assert action["causes"] == [cause["id"]]
    owned = api.get("/api/v1/actions/?owner=paul&status=open").json()
    assert [item["id"] for item in owned["results"]] == [action["id"]]
    # Owning an item of the private incident makes paul a participant: he sees it and his item.
    assert client_as(participant).get(f"/api/v1/incidents/{ref}/").status_code == 200
