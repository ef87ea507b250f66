"""Action-item quality hints: what they flag, and what they let pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from incidents.insights.hints import NO_DUE_DATE, NO_OWNER, action_hints
from tests.factories import RemediationActionFactory

TODAY = date(2026, 3, 2)
GOOD = {"title": "Alert when queue depth exceeds 10k for 5 minutes", "owner": "olivia", "priority": "P2",
        "due_date": "2026-03-20", "created_at": TODAY}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"owner": ""}, [NO_OWNER]),
        ({"owner": None}, [NO_OWNER]),
        ({"due_date": ""}, [NO_DUE_DATE]),
        ({"due_date": "not a date"}, [NO_DUE_DATE]),
        ({"priority": "P1", "due_date": "2026-03-16"}, []),  # exactly 14 days
        ({"priority": "P1", "due_date": "2026-03-17"}, ["past the P1 target of 14 days (2026-03-16)"]),
        ({"priority": "P2", "due_date": "2026-03-31"}, ["past the P2 target of 28 days (2026-03-30)"]),
        ({"priority": "P3", "due_date": "2026-04-27"}, []),  # exactly 56 days
        ({"priority": "P3", "due_date": "2026-04-28"}, ["past the P3 target of 56 days"]),
        ({"title": "Improve monitoring"}, ["'improve'"]),
        ({"title": "Look into the cache"}, ["'look into'"]),
        ({"title": "Monitor better"}, ["'monitor better'"]),
        ({"title": "Investigate more"}, ["'investigate more'"]),
        ({"title": "Improve p99 latency to under 300 ms"}, []),  # measurable end
        ({"title": "Improve alerting", "description": "Page when error rate > 2% for 5 minutes"}, []),
        ({"title": "Add a circuit breaker to payments"}, []),
        ({"title": "Look into it", "owner": "", "due_date": ""}, [NO_OWNER, NO_DUE_DATE, "'look into'"]),
    ],
)
def test_the_hints_table(changes, expected):
    hints = action_hints({**GOOD, **changes})
    assert len(hints) == len(expected), hints
    for hint, fragment in zip(hints, expected, strict=True):
        assert fragment in hint


def test_hints_read_a_saved_action_item(incident):
    created = timezone.localdate()
    action = RemediationActionFactory(
        incident=incident,
        owner=None,
        title="Improve things",
        priority="P1",
        due_date=created + timedelta(days=30),
    )
    hints = action_hints(action)
    assert hints[0] == NO_OWNER
    assert "past the P1 target" in hints[1]
    assert "'improve'" in hints[2]


def test_a_well_written_saved_item_has_no_hints(incident, owner):
    action = RemediationActionFactory(incident=incident, owner=owner, title="Add disk-full alert at 85%")
    assert action_hints(action) == []


def test_hints_endpoint_returns_a_partial_for_the_action_form(client_for, owner):
    response = client_for(owner).get(
        "/actions/hints/", {"title": "Look into it", "owner": "", "due_date": "", "priority": "P2"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert "No owner" in body
    assert "No due date" in body
    assert "<html" not in body
    assert "never" not in body.lower() or "hints, not rules" in body


def test_hints_endpoint_is_quiet_for_a_good_item(client_for, owner):
    body = client_for(owner).get("/actions/hints/", {**GOOD, "due_date": str(timezone.localdate())}).content
    assert b"<li>" not in body


def test_hints_endpoint_needs_a_sign_in(client, db):
    assert client.get("/actions/hints/").status_code == 302
