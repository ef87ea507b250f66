"""`GET /api/v1/incidents/{id}/history/`: who changed what, when — for callers who may see the incident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from incidents import services
from timeline.services import timeline_event_add


def _url(incident: Any, **params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/incidents/{incident.reference}/history/" + (f"?{query}" if query else "")


def test_it_lists_who_changed_which_field_newest_first(
    as_owner: APIClient, owner: Any, incident: Any
) -> None:
    owner.first_name, owner.last_name = "Olivia", "Owens"
    owner.save()
    services.incident_update(incident=incident, actor=owner, data={"severity": "SEV1"})

    response = as_owner.get(_url(incident))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    # The change also wrote a system timeline entry; the incident's own version is the newest of its kind.
    newest = next(entry for entry in body["results"] if entry["object_type"] == "incident")
    assert newest["actor"] == {"username": "olivia", "name": "Olivia Owens"}
    assert newest["action"] == "changed"
    assert newest["object_type"] == "incident"
    assert newest["object_title"] == f"{incident.reference} {incident.title}"
    assert {
        "field": "severity",
        "label": "Severity",
        "before": "SEV2 · major",
        "after": "SEV1 · critical",
    } in newest["changes"]
    times = [entry["at"] for entry in body["results"]]
    assert times == sorted(times, reverse=True)
    assert body["count"] == len(body["results"])


def test_it_covers_timeline_entries_inside_the_incident(
    as_owner: APIClient, owner: Any, incident: Any
) -> None:
    timeline_event_add(incident=incident, actor=owner, kind="note", body="Rolled back deploy 4182")

    results = as_owner.get(_url(incident)).json()["results"]

    entry = next(e for e in results if e["object_type"] == "timeline entry")
    assert entry["action"] == "created"
    assert entry["object_title"] == "Rolled back deploy 4182"
    assert any(
        change["field"] == "body" and change["after"] == "Rolled back deploy 4182"
        for change in entry["changes"]
    )


def test_it_pages_back_with_a_before_cursor(as_owner: APIClient, owner: Any, incident: Any) -> None:
    for number in range(5):
        timeline_event_add(incident=incident, actor=owner, kind="note", body=f"note {number}")

    first = as_owner.get(_url(incident, page_size=3)).json()
    assert len(first["results"]) == 3
    assert first["next"] is not None
    second = as_owner.get(first["next"]).json()

    seen = [e["object_title"] for e in first["results"] + second["results"]]
    assert len(seen) == first["count"]
    assert "note 0" in seen
    assert "note 4" in seen


def test_it_hides_a_private_incident_from_outsiders(
    client_as: Callable[..., APIClient], outsider: Any, participant: Any, private_incident: Any
) -> None:
    assert client_as(outsider).get(_url(private_incident)).status_code == 404
    assert client_as(participant).get(_url(private_incident)).status_code == 200


def test_it_rejects_a_bad_cursor_with_a_field_error(as_owner: APIClient, incident: Any) -> None:
    response = as_owner.get(_url(incident, before="yesterday-ish", page_size=500))

    assert response.status_code == 400
    assert set(response.json()) == {"before", "page_size"}


def test_it_needs_a_signed_in_caller(client_as: Callable[..., APIClient], incident: Any) -> None:
    assert client_as(None).get(_url(incident)).status_code == 401
