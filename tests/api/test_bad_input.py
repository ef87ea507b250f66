"""Every kind of bad request is a clear 4xx, and a rejected request changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from incidents.models import Cause, Incident, RemediationAction, Service, StatusUpdate
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """What a rejected request must leave untouched."""
    return {
        "incidents": list(Incident.objects.order_by("pk").values()),
        "services": Service.objects.count(),
        "events": list(TimelineEvent.all_objects.order_by("pk").values()),
        "causes": Cause.objects.count(),
        "actions": list(RemediationAction.objects.order_by("pk").values()),
        "updates": StatusUpdate.objects.count(),
        "users": get_user_model().objects.count(),
        "history": Incident.history.count(),
    }


DECLARE = "/api/v1/incidents/"

BAD_DECLARATIONS = [
    ("missing title", {"severity": "SEV1"}, "title"),
    ("missing severity", {"title": "Outage"}, "severity"),
    ("unknown severity", {"title": "Outage", "severity": "SEV9"}, "severity"),
    ("unknown status", {"title": "Outage", "severity": "SEV1", "status": "panicking"}, "status"),
    ("title not text", {"title": 123, "severity": "SEV1"}, "title"),
    ("blank title", {"title": "   ", "severity": "SEV1"}, "title"),
    ("title too long", {"title": "x" * 201, "severity": "SEV1"}, "title"),
    ("private not a bool", {"title": "Outage", "severity": "SEV1", "private": "maybe"}, "private"),
    ("services not a list", {"title": "Outage", "severity": "SEV1", "services": 7}, "services"),
    ("unknown commander", {"title": "Outage", "severity": "SEV1", "commander": "ghost"}, "commander"),
    ("unknown field", {"title": "Outage", "severity": "SEV1", "severty": "SEV2"}, "severty"),
    ("read-only field", {"title": "Outage", "severity": "SEV1", "reference": "INC-1"}, "reference"),
    (
        "impossible date",
        {"title": "Outage", "severity": "SEV1", "started_at": "2026-02-30T10:00:00Z"},
        "started_at",
    ),
    ("not a date", {"title": "Outage", "severity": "SEV1", "started_at": "last tuesday"}, "started_at"),
    ("date as number", {"title": "Outage", "severity": "SEV1", "started_at": 1700000000}, "started_at"),
    (
        "year 1",
        {"title": "Outage", "severity": "SEV1", "started_at": "0001-01-01T00:00:00+05:00"},
        "started_at",
    ),
    (
        "future start",
        {"title": "Outage", "severity": "SEV1", "started_at": "2999-01-01T00:00:00Z"},
        "started_at",
    ),
    (
        "detected before started",
        {
            "title": "Outage",
            "severity": "SEV1",
            "started_at": "2026-01-10T10:00:00Z",
            "detected_at": "2026-01-10T09:00:00Z",
        },
        "detected_at",
    ),
    (
        "resolved before mitigated",
        {
            "title": "Outage",
            "severity": "SEV1",
            "started_at": "2026-01-10T10:00:00Z",
            "mitigated_at": "2026-01-10T12:00:00Z",
            "resolved_at": "2026-01-10T11:00:00Z",
        },
        "resolved_at",
    ),
    ("NUL in text", {"title": "Out\u0000age", "severity": "SEV1"}, "title"),
    ("tag not text", {"title": "Outage", "severity": "SEV1", "tags": [1]}, "tags"),
]


@pytest.mark.parametrize(("case", "payload", "field"), BAD_DECLARATIONS, ids=[c[0] for c in BAD_DECLARATIONS])
def test_it_refuses_a_bad_declaration_and_changes_nothing(
    as_owner: Any, incident: Incident, case: str, payload: dict[str, Any], field: str
) -> None:
    before = snapshot()

    response = as_owner.post(DECLARE, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


RAW_BODIES = [
    ("malformed JSON", b'{"title": "Outage", ', "application/json", 400),
    ("a JSON list", b'[{"title": "Outage", "severity": "SEV1"}]', "application/json", 400),
    ("a JSON string", b'"Outage"', "application/json", 400),
    ("JSON null", b"null", "application/json", 400),
    ("not UTF-8", b'{"title": "\xff\xfe"}', "application/json", 400),
    ("form-encoded", b"title=Outage&severity=SEV1", "application/x-www-form-urlencoded", 415),
]


@pytest.mark.parametrize(("case", "raw", "content_type", "code"), RAW_BODIES, ids=[c[0] for c in RAW_BODIES])
def test_it_refuses_bodies_that_are_not_a_json_object(
    as_owner: Any, incident: Incident, case: str, raw: bytes, content_type: str, code: int
) -> None:
    before = snapshot()

    response = as_owner.generic("POST", DECLARE, raw, content_type=content_type)

    assert response.status_code == code
    assert isinstance(response.json(), dict)
    assert snapshot() == before


def test_it_refuses_a_body_over_one_megabyte_with_413(as_owner: Any, incident: Incident) -> None:
    before = snapshot()
    payload = json.dumps({"title": "Outage", "severity": "SEV1", "summary": "x" * (1024 * 1024)})

    response = as_owner.generic("POST", DECLARE, payload, content_type="application/json")

    assert response.status_code == 413
    assert "detail" in response.json()
    assert snapshot() == before


def test_it_refuses_a_large_timeline_body_with_413(as_owner: Any, incident: Incident) -> None:
    before = snapshot()
    payload = json.dumps({"body": "y" * (2 * 1024 * 1024)})

    response = as_owner.generic(
        "POST", f"/api/v1/incidents/{incident.pk}/timeline/", payload, content_type="application/json"
    )

    assert response.status_code == 413
    assert snapshot() == before


BAD_EDITS = [
    ("unknown field", {"colour": "red"}, "colour"),
    ("read-only field", {"reporter": "oscar"}, "reporter"),
    ("null start", {"started_at": None}, "started_at"),
    ("unknown commander", {"commander": "ghost"}, "commander"),
    ("resolved before started", {"resolved_at": "2020-01-01T00:00:00Z"}, "resolved_at"),
    ("version as text", {"version": "1"}, "version"),
    ("self duplicate", {"duplicate_of": "SELF"}, "duplicate_of"),
    ("mixed good and bad", {"title": "Renamed", "severity": "SEV0"}, "severity"),
]


@pytest.mark.parametrize(("case", "payload", "field"), BAD_EDITS, ids=[c[0] for c in BAD_EDITS])
def test_it_refuses_a_bad_edit_and_changes_nothing(
    as_owner: Any, incident: Incident, case: str, payload: dict[str, Any], field: str
) -> None:
    if payload.get("duplicate_of") == "SELF":
        payload = {"duplicate_of": incident.reference}
    before = snapshot()

    response = as_owner.patch(f"/api/v1/incidents/{incident.reference}/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


BAD_ACTIONS = [
    ("done without a note", {"title": "Add alarm", "status": "done"}, "completion_note"),
    ("won't do without a reason", {"title": "Add alarm", "status": "wont_do"}, "completion_note"),
    ("impossible due date", {"title": "Add alarm", "due_date": "2026-02-30"}, "due_date"),
    ("unknown owner", {"title": "Add alarm", "owner": "ghost"}, "owner"),
    ("unknown priority", {"title": "Add alarm", "priority": "P0"}, "priority"),
    ("not a ticket link", {"title": "Add alarm", "ticket_url": "javascript:alert(1)"}, "ticket_url"),
    ("cause of another incident", {"title": "Add alarm", "causes": [999999]}, "causes"),
    ("cause id not a number", {"title": "Add alarm", "causes": ["one"]}, "causes"),
]


@pytest.mark.parametrize(("case", "payload", "field"), BAD_ACTIONS, ids=[c[0] for c in BAD_ACTIONS])
def test_it_refuses_a_bad_action_item_and_changes_nothing(
    as_owner: Any, incident: Incident, case: str, payload: dict[str, Any], field: str
) -> None:
    before = snapshot()

    response = as_owner.post(f"/api/v1/incidents/{incident.pk}/actions/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


BAD_CAUSES = [
    ("unknown category", {"category": "gremlins", "description": "x"}, "category"),
    ("unknown role", {"category": "software", "role": "villain", "description": "x"}, "role"),
    ("missing description", {"category": "software"}, "description"),
    ("evidence from nowhere", {"category": "software", "description": "x", "evidence": [424242]}, "evidence"),
]


@pytest.mark.parametrize(("case", "payload", "field"), BAD_CAUSES, ids=[c[0] for c in BAD_CAUSES])
def test_it_refuses_a_bad_cause_and_changes_nothing(
    as_owner: Any, incident: Incident, case: str, payload: dict[str, Any], field: str
) -> None:
    before = snapshot()

    response = as_owner.post(f"/api/v1/incidents/{incident.pk}/causes/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [{"message": ""}, {"message": "x", "audience": "everyone"}, {"message": 5}, {"msg": "x"}],
)
def test_it_refuses_a_bad_status_update_and_changes_nothing(
    as_owner: Any, incident: Incident, payload: dict[str, Any]
) -> None:
    before = snapshot()

    response = as_owner.post(f"/api/v1/incidents/{incident.pk}/updates/", payload, format="json")

    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/timeline-events/abc/",
        "/api/v1/timeline-events/99999999999999999999999/",
        "/api/v1/causes/-1/",
        "/api/v1/actions/1.5/",
        "/api/v1/jobs/not-a-uuid/",
        "/api/v1/jobs/00000000-0000-0000-0000-000000000000/",
        "/api/v1/incidents/%00/",
    ],
)
def test_it_answers_404_in_json_for_ids_that_cannot_exist(as_owner: Any, url: str) -> None:
    response = as_owner.get(url)

    assert response.status_code == 404
    assert "detail" in response.json()
