"""Postmortems not published by their due date remind the commander and authors, then weekly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.postmortems.models import Postmortem, Revision
from incidents.reminders.sweep import sweep
from tests.factories import IncidentFactory, UserFactory
from tests.reminders.conftest import WEDNESDAY, notified

pytestmark = pytest.mark.django_db

TODAY = WEDNESDAY.date()


@pytest.fixture
def author(db):
    return UserFactory(username="ana", role="responder")


def _postmortem(commander, author, *, due_in_days, status="draft"):
    incident = IncidentFactory(status="resolved", commander=commander, reference="INC-42", number=42)
    postmortem = Postmortem.objects.create(
        incident=incident, status=status, due_date=TODAY + timedelta(days=due_in_days)
    )
    Revision.objects.create(postmortem=postmortem, number=1, kind="save", author=author, snapshot=[])
    return postmortem


def test_a_postmortem_due_today_is_not_yet_late(owner, author):
    _postmortem(owner, author, due_in_days=0)
    sweep(now=WEDNESDAY)
    assert notified(owner) == []


def test_a_late_postmortem_reminds_the_commander_and_its_authors_then_weekly(owner, author):
    _postmortem(owner, author, due_in_days=-1)
    sweep(now=WEDNESDAY)
    assert notified(owner) == ["Postmortem for INC-42 is 1 day past its due date"]
    assert notified(author) == ["Postmortem for INC-42 is 1 day past its due date"]
    for day in range(1, 8):
        sweep(now=WEDNESDAY + timedelta(days=day))
    assert notified(owner) == [
        "Postmortem for INC-42 is 1 day past its due date",
        "Postmortem for INC-42 is 8 days past its due date",
    ]


def test_a_published_postmortem_is_not_chased(owner, author):
    _postmortem(owner, author, due_in_days=-10, status="published")
    sweep(now=WEDNESDAY)
    assert notified(owner) == []
    assert notified(author) == []


@pytest.mark.parametrize("marking", ["false_alarm", "duplicate"])
def test_duplicates_and_false_alarms_get_no_postmortem_reminders(owner, author, marking):
    postmortem = _postmortem(owner, author, due_in_days=-3)
    incident = postmortem.incident
    if marking == "false_alarm":
        incident.false_alarm = True
    else:
        incident.duplicate_of = IncidentFactory(commander=owner)
    incident.save()
    sweep(now=WEDNESDAY)
    assert notified(owner) == []
    assert notified(author) == []
