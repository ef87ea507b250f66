"""The audit trail's manager class is made once, and works as simple-history's own."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident
from tests.factories import IncidentFactory, TimelineEventFactory
from timeline.history import HistoryManagerMadeOnce
from timeline.services import timeline_event_update

pytestmark = pytest.mark.django_db


def test_the_history_manager_class_is_made_once_per_model(owner: Any) -> None:
    event = TimelineEventFactory(author=owner)
    incident = IncidentFactory()

    assert type(event.history) is type(TimelineEventFactory(author=owner).history)
    assert isinstance(event.history, HistoryManagerMadeOnce)
    assert type(incident.history) is type(Incident.objects.get(pk=incident.pk).history)
    assert incident.history.model is not event.history.model  # one class, each model its own history


def test_recorded_changes_read_back_as_before(owner: Any) -> None:
    event = TimelineEventFactory(author=owner, body="First words")
    timeline_event_update(event=event, actor=owner, data={"body": "Better words"})

    records = list(event.history.order_by("history_date"))

    assert [record.body for record in records] == ["First words", "Better words"]
    assert [record.history_type for record in records] == ["+", "~"]
    assert records[-1].history_user == owner
    assert event.history.most_recent().body == "Better words"
