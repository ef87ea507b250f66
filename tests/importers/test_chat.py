"""Chat transcripts: paste, review each line (keep, key, kind), then save through the timeline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from incidents.importers.chat import parse_transcript
from incidents.models import Profile

PLAIN = """[23:58] dana: checkout 500s are back
[23:59] lee: rolling back payment-router
  to 4.1, not 4.2
[00:04] dana: error rate back to normal
"""

SLACK = [
    {
        "type": "message",
        "user": "U01",
        "text": "<@U02> can you page the DB team?",
        "ts": "1754049600.000100",
        "user_profile": {"real_name": "Dana Ops"},
    },
    {
        "type": "message",
        "subtype": "channel_join",
        "user": "U03",
        "text": "<@U03> has joined",
        "ts": "1754049610.000100",
    },
    {
        "type": "message",
        "user": "U02",
        "text": "paged",
        "ts": "1754049660.000200",
        "user_profile": {"real_name": "Lee Dev"},
    },
]


def test_a_plain_log_is_read_in_its_zone_and_crosses_midnight() -> None:
    lines = parse_transcript(PLAIN, day=date(2025, 8, 1), zone=ZoneInfo("Europe/Paris"))

    assert [(line.occurred_at, line.name) for line in lines] == [
        (datetime(2025, 8, 1, 21, 58, tzinfo=UTC), "dana"),
        (datetime(2025, 8, 1, 21, 59, tzinfo=UTC), "lee"),
        (datetime(2025, 8, 1, 22, 4, tzinfo=UTC), "dana"),  # 00:04 the next day in Paris
    ]
    assert lines[1].text == "rolling back payment-router\nto 4.1, not 4.2"


def test_a_slack_export_names_people_and_drops_joins() -> None:
    lines = parse_transcript(json.dumps(SLACK), day=None, zone=UTC)

    assert [line.body for line in lines] == [
        "**Dana Ops:** @Lee Dev can you page the DB team?",
        "**Lee Dev:** paged",
    ]
    assert lines[0].occurred_at == datetime(2025, 8, 1, 12, 0, 0, 100, tzinfo=UTC)


def test_a_line_without_a_time_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="Line 1 has no"):
        parse_transcript("hello there", day=date(2025, 8, 1), zone=UTC)


def _post(client: Any, incident: Any, **data: Any) -> Any:
    return client.post(f"/incidents/{incident.reference}/import-chat/", data)


def test_the_responder_reviews_lines_before_anything_is_saved(
    client_for: Any, owner: Any, incident: Any
) -> None:
    Profile.objects.filter(user=owner).update(timezone="Europe/Paris")
    client = client_for(owner)

    review = _post(client, incident, transcript=PLAIN, day="2025-08-01", step="review")

    assert review.status_code == 200
    assert b"rolling back payment-router" in review.content
    assert not incident.events.filter(source="import").exists()

    saved = _post(
        client, incident, transcript=PLAIN, day="2025-08-01", step="save",
        keep_0="on", kind_0="detection", key_0="on",
        keep_2="on", kind_2="milestone",
    )  # fmt: skip

    assert saved.status_code == 302
    entries = list(incident.events.filter(source="import").order_by("occurred_at"))
    assert [(entry.kind, entry.is_key, entry.body) for entry in entries] == [
        ("detection", True, "**dana:** checkout 500s are back"),
        ("milestone", False, "**dana:** error rate back to normal"),
    ]
    assert entries[0].occurred_at == datetime(2025, 8, 1, 21, 58, tzinfo=UTC)
    assert entries[0].author == owner

    again = _post(client, incident, transcript=PLAIN, day="2025-08-01", step="save", keep_0="on", keep_2="on")
    assert again.status_code == 302
    assert incident.events.filter(source="import").count() == 2  # pasted twice, saved once


def test_a_line_in_the_future_saves_nothing(client_for: Any, owner: Any, incident: Any) -> None:
    client = client_for(owner)
    transcript = "[10:00] dana: before\n[10:05] dana: after"

    response = _post(
        client, incident, transcript=transcript, day="2999-01-01", step="save", keep_0="on", keep_1="on"
    )

    assert response.status_code == 422
    assert not incident.events.filter(source="import").exists()


def test_outsiders_cannot_import_into_a_private_incident(
    client_for: Any, outsider: Any, private_incident: Any
) -> None:
    response = _post(
        client_for(outsider), private_incident, transcript=PLAIN, day="2025-08-01", step="save", keep_0="on"
    )

    assert response.status_code == 404
    assert not private_incident.events.filter(source="import").exists()


def test_viewers_cannot_import(client_for: Any, viewer: Any, incident: Any) -> None:
    response = _post(
        client_for(viewer), incident, transcript=PLAIN, day="2025-08-01", step="save", keep_0="on"
    )

    assert response.status_code == 403
