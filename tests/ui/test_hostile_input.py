"""Hostile input through the pages: a form error or a 400 naming the problem, never a 500, nothing saved.

One test per case of the issue "A record people can trust" (item 11); the property-based sweep over
every field of every page is `tests/security/test_hostile_input.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import Incident
from tests.security.snapshot import changed_tables, table_snapshot
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

OVERFLOWING_TIMES = [
    "-99999999h",
    "-999999999999999999999h",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
]


@pytest.fixture
def responder(client_for: Any, owner: Any) -> Client:
    client: Client = client_for(owner)
    return client


@pytest.mark.parametrize("when", OVERFLOWING_TIMES)
def test_quick_add_with_an_overflowing_time_is_a_form_error_and_saves_nothing(
    responder: Client, busy_incident: Any, when: str
) -> None:
    before = table_snapshot()

    response = responder.post(
        reverse("timeline-add", args=[busy_incident.reference]), {"when": when, "kind": "note", "body": "x"}
    )

    assert response.status_code == 422
    assert "too far in the past or the future" in response.content.decode()
    assert changed_tables(before, table_snapshot()) == []


@pytest.mark.parametrize("when", OVERFLOWING_TIMES)
def test_editing_an_entry_to_an_overflowing_time_is_a_form_error_and_changes_nothing(
    responder: Client, busy_incident: Any, when: str
) -> None:
    event = TimelineEvent.objects.filter(incident=busy_incident).first()
    assert event is not None
    url = reverse("timeline-event-edit", args=[busy_incident.reference, event.pk])
    before = table_snapshot()

    response = responder.post(url, {"when": when, "kind": "note", "body": "changed"})

    assert response.status_code == 422
    assert "too far in the past or the future" in response.content.decode()
    assert changed_tables(before, table_snapshot()) == []


def test_the_last_minute_of_year_9999_at_utc_minus_12_is_a_form_error(
    responder: Client, owner: Any, busy_incident: Any
) -> None:
    owner.profile.timezone = "Etc/GMT+12"
    owner.profile.save()
    before = table_snapshot()

    response = responder.post(
        reverse("timeline-add", args=[busy_incident.reference]),
        {"when": "9999-12-31 23:59", "kind": "note", "body": "x"},
    )

    assert response.status_code == 422
    assert changed_tables(before, table_snapshot()) == []


def test_an_entry_cannot_be_dated_before_1970(responder: Client, busy_incident: Any) -> None:
    before = table_snapshot()

    response = responder.post(
        reverse("timeline-add", args=[busy_incident.reference]),
        {"when": "-99999999m", "kind": "note", "body": "In 1836"},
    )

    assert response.status_code == 422
    assert "Give a time from 1970-01-01 on" in response.content.decode()
    assert changed_tables(before, table_snapshot()) == []


def test_an_incident_cannot_start_in_year_1(responder: Client, busy_incident: Any) -> None:
    busy_incident.refresh_from_db()
    edit = reverse("incident-edit", args=[busy_incident.reference])
    before = table_snapshot()

    declared = responder.post(
        reverse("incident-declare"),
        {"title": "Ancient outage", "severity": "SEV3", "started_at": "0001-01-01T00:00"},
    )
    edited = responder.post(
        edit,
        {
            "version": busy_incident.version,
            "title": busy_incident.title,
            "status": busy_incident.status,
            "severity": busy_incident.severity,
            "started_at": "0001-01-01T00:00",
        },
    )

    for response in (declared, edited):
        assert response.status_code == 422
        assert "Give a time from 1970-01-01 on" in response.content.decode()
    assert not Incident.objects.filter(title="Ancient outage").exists()
    assert changed_tables(before, table_snapshot()) == []


@pytest.mark.parametrize(
    "before", ["2024-99-99T00:00:00", "2024-01-01T00:00:00+99:00", "0001-01-01T00:00:00+14:00"]
)
def test_history_with_an_impossible_cursor_is_a_400_naming_it(
    responder: Client, busy_incident: Any, before: str
) -> None:
    response = responder.get(reverse("incident-history", args=[busy_incident.reference]), {"before": before})

    assert response.status_code == 400
    assert "before:" in response.content.decode()


def test_history_still_pages_with_the_cursor_it_writes(responder: Client, busy_incident: Any) -> None:
    url = reverse("incident-history", args=[busy_incident.reference])

    response = responder.get(url, {"before": "2030-01-01T00:00:00.123456+00:00"})

    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999"])
def test_timeline_window_with_a_non_number_cursor_is_a_400(
    responder: Client, busy_incident: Any, value: str
) -> None:
    response = responder.get(reverse("incident-timeline", args=[busy_incident.reference]), {"before": value})

    assert response.status_code == 400
    assert "before:" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "-1", "99999999999999999999999"])
def test_action_hints_with_a_non_number_action_id_is_a_400(responder: Client, value: str) -> None:
    response = responder.get(reverse("action-hints"), {"action_id": value, "title": "Add alerting"})

    assert response.status_code == 400
    assert "action_id:" in response.content.decode()


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"])
def test_insights_with_an_out_of_range_date_is_a_form_error(responder: Client, since: str) -> None:
    for url in (reverse("insights"), reverse("insights-csv")):
        response = responder.get(url, {"since": since})

        assert response.status_code < 500
        assert "between 1970-01-01 and 2999-12-31" in response.content.decode()


def test_insights_take_any_plain_date(responder: Client) -> None:
    # A plain date is a whole day and never overflows: 9999-12-31 simply finds nothing.
    for url in (reverse("insights"), reverse("insights-csv")):
        assert responder.get(url, {"since": "9999-12-31"}).status_code == 200


def test_the_action_list_refuses_an_owner_with_a_nul_character(responder: Client) -> None:
    response = responder.get(reverse("action-list"), {"tab": "all", "owner": "olivia\x00"})

    assert response.status_code == 400
    assert "owner:" in response.content.decode()
