"""Each rule at its boundaries, run through the sweep with an explicit `now`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from incidents.reminders.sweep import sweep
from incidents.services import action_delete
from tests.factories import IncidentFactory, RemediationActionFactory, UserFactory
from tests.reminders.conftest import WEDNESDAY, notified, reminder_rules

pytestmark = pytest.mark.django_db

TODAY = WEDNESDAY.date()


@pytest.fixture
def dana(db):
    """Owns action items."""
    return UserFactory(username="dana", role="responder")


def _action(owner, due_in_days, **kwargs):
    return RemediationActionFactory(owner=owner, due_date=TODAY + timedelta(days=due_in_days), **kwargs)


def test_an_item_due_tomorrow_reminds_its_owner_once(dana):
    _action(dana, 1, title="Rotate the keys")
    sweep(now=WEDNESDAY)
    sweep(now=WEDNESDAY + timedelta(hours=5))
    assert notified(dana) == [notified(dana)[0]]
    assert notified(dana)[0].startswith("Due tomorrow: Rotate the keys")
    assert len(mail.outbox) == 1


def test_an_item_due_in_three_days_is_not_yet_due_soon(dana):
    _action(dana, 3)
    sweep(now=WEDNESDAY)
    assert notified(dana) == []


def test_an_item_due_in_two_days_is_due_soon(dana):
    _action(dana, 2, title="Add alarm")
    sweep(now=WEDNESDAY)
    assert notified(dana) == [notified(dana)[0]]
    assert "Due in 2 days: Add alarm" in notified(dana)[0]


def test_an_item_due_today_reminds_its_owner_on_the_due_date(dana):
    _action(dana, 0, title="Fix the runbook")
    sweep(now=WEDNESDAY)
    assert [title.split(":")[0] for title in notified(dana)] == ["Due today"]


def test_an_item_overdue_by_one_day_gets_the_first_overdue_reminder_only_once(dana):
    _action(dana, -1, title="Fix the runbook")
    sweep(now=WEDNESDAY)
    sweep(now=WEDNESDAY + timedelta(days=1))  # overdue by 2: still inside the first window
    assert reminder_rules(dana) == ["action_overdue"]
    assert notified(dana)[0].startswith("Overdue by 1 day: Fix the runbook")


def test_overdue_reminders_repeat_every_three_days(dana):
    # Saturday's reminder (day 3) waits for Monday morning: quiet weekends are the default.
    _action(dana, 0)
    for day in range(0, 7):
        sweep(now=WEDNESDAY + timedelta(days=day))
    titles = [title.split(":")[0] for title in notified(dana)]
    assert titles == ["Due today", "Overdue by 3 days", "Overdue by 6 days"]


@pytest.mark.parametrize(("days_overdue", "expected"), [(3, "Overdue by 3 days"), (6, "Overdue by 6 days")])
def test_an_item_found_late_gets_the_current_reminder_not_every_missed_one(dana, days_overdue, expected):
    _action(dana, -days_overdue)
    sweep(now=WEDNESDAY)
    assert [title.split(":")[0] for title in notified(dana)] == [expected]


def test_the_commander_is_told_after_the_second_overdue_reminder(dana, owner):
    incident = IncidentFactory(commander=owner, reference="INC-7", number=7, status="resolved")
    _action(dana, 0, incident=incident, title="Patch the proxy")
    sweep(now=WEDNESDAY)
    sweep(now=WEDNESDAY + timedelta(days=3))
    assert notified(owner) == []  # two reminders to the owner so far
    sweep(now=WEDNESDAY + timedelta(days=6))
    assert notified(owner) == ["Overdue by 6 days in INC-7: Patch the proxy (owner: dana)"]
    # In-app notifications are immediate, Saturday's too (quiet weekends hold back email only).
    assert notified(dana) == [
        "Due today: Patch the proxy (INC-7)",
        "Overdue by 3 days: Patch the proxy (INC-7)",
        "Overdue by 6 days: Patch the proxy (INC-7)",
    ]


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolved_and_closed_incidents_still_remind(dana, status):
    incident = IncidentFactory(status=status)
    _action(dana, -1, incident=incident)
    sweep(now=WEDNESDAY)
    assert reminder_rules(dana) == ["action_overdue"]


@pytest.mark.parametrize("status", ["done", "wont_do"])
def test_finished_items_are_not_reminded(dana, status):
    _action(dana, -1, status=status, completion_note="shipped")
    sweep(now=WEDNESDAY)
    assert notified(dana) == []


def test_an_unowned_overdue_item_goes_to_the_commander(owner):
    incident = IncidentFactory(commander=owner, status="resolved")
    RemediationActionFactory(incident=incident, owner=None, due_date=TODAY - timedelta(days=1))
    sweep(now=WEDNESDAY)
    assert reminder_rules(owner) == ["action_overdue_escalation"]


def test_a_quiet_sev1_reminds_its_commander_after_thirty_minutes(owner):
    incident = IncidentFactory(
        severity="SEV1",
        commander=owner,
        started_at=WEDNESDAY - timedelta(minutes=50),
        detected_at=WEDNESDAY - timedelta(minutes=29),
    )
    sweep(now=WEDNESDAY)
    assert notified(owner) == []
    sweep(now=WEDNESDAY + timedelta(minutes=1))
    assert notified(owner) == [f"{incident.reference} (SEV1) has had no update for 30 min"]


def test_a_sev2_waits_an_hour_and_activity_resets_the_clock(owner):
    from tests.factories import TimelineEventFactory

    incident = IncidentFactory(
        severity="SEV2",
        commander=owner,
        started_at=WEDNESDAY - timedelta(hours=3),
        detected_at=WEDNESDAY - timedelta(hours=3),
    )
    TimelineEventFactory(incident=incident, recorded_at=WEDNESDAY - timedelta(minutes=59))
    sweep(now=WEDNESDAY)
    assert notified(owner) == []
    sweep(now=WEDNESDAY + timedelta(minutes=1))
    assert len(notified(owner)) == 1


def test_quiet_resolved_or_minor_incidents_do_not_remind(owner):
    long_ago = WEDNESDAY - timedelta(hours=5)
    IncidentFactory(
        severity="SEV1", status="resolved", commander=owner, started_at=long_ago, detected_at=long_ago
    )
    IncidentFactory(severity="SEV3", commander=owner, started_at=long_ago, detected_at=long_ago)
    sweep(now=WEDNESDAY)
    assert notified(owner) == []


def test_the_weekly_digest_lists_open_and_overdue_items_on_monday(dana):
    _action(dana, -2, title="Late thing")
    _action(dana, 20, title="Later thing")
    monday = WEDNESDAY + timedelta(days=5, hours=-1)  # Monday 09:00 UTC
    sweep(now=monday)
    sweep(now=monday + timedelta(hours=3))
    digest = [title for title in notified(dana, digest=True) if title.startswith("Your week")]
    assert digest == ["Your week: 2 open action items, 1 overdue"]


def test_a_deleted_item_is_not_reminded(dana):
    action = _action(dana, -1, title="Buy a bigger box")
    action_delete(action=action, actor=None)
    sweep(now=WEDNESDAY)
    assert notified(dana) == []
    assert mail.outbox == []
