"""Adding a timeline entry writes the entry and its audit-trail row in one statement
(timeline.history.insert_with_history): the rows must be the ones `save()` writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import signals
from django.forms.models import model_to_dict
from django.utils import timezone
from simple_history import signals as history_signals

from tests.factories import IncidentFactory
from timeline.choices import EventSource
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

pytestmark = pytest.mark.django_db

HISTORY = TimelineEvent.history.model  # type: ignore[attr-defined]


def row(event: TimelineEvent) -> dict[str, Any]:
    values = model_to_dict(TimelineEvent.objects.get(pk=event.pk))
    values.pop("id")
    return values


def history_row(event: TimelineEvent) -> dict[str, Any]:
    (record,) = HISTORY.objects.filter(id=event.pk).values()
    record.pop("history_id")
    record.pop("id")
    return record


def test_the_entry_and_its_history_are_the_rows_save_writes(owner: Any) -> None:
    incident = IncidentFactory(commander=owner)
    when = timezone.now() - timedelta(minutes=7)
    body = "  Failed over to **us-east-2**  "
    added = timeline_event_add(incident=incident, actor=owner, kind="action", body=body, occurred_at=when)
    saved = TimelineEvent(
        incident=incident,
        occurred_at=when,
        recorded_at=added.recorded_at,
        kind="action",
        body="Failed over to **us-east-2**",
        author=owner,
        source=EventSource.WEB,
    )
    saved._history_user = owner  # type: ignore[attr-defined]
    saved._history_date = added.recorded_at  # type: ignore[attr-defined]
    saved.save()

    assert added.pk is not None
    assert added.pk != saved.pk
    assert not added._state.adding
    assert row(added) == row(saved)
    assert history_row(added) == history_row(saved)
    assert history_row(added)["history_type"] == "+"
    assert history_row(added)["history_user_id"] == owner.pk
    # The instance handed back is the row: reading it again changes nothing.
    assert model_to_dict(added) == model_to_dict(TimelineEvent.objects.get(pk=added.pk))


def test_an_entry_without_a_person_has_no_history_user(owner: Any) -> None:
    incident = IncidentFactory(commander=owner)
    event = timeline_event_add(incident=incident, actor=None, body="Alert fired", source=EventSource.WEBHOOK)

    assert history_row(event)["history_user_id"] is None
    assert row(event)["author"] is None


def test_inside_a_callers_transaction_it_rolls_back_with_it(owner: Any) -> None:
    incident = IncidentFactory(commander=owner)
    added: list[TimelineEvent] = []

    def add_then_fail() -> None:
        with transaction.atomic():
            added.append(timeline_event_add(incident=incident, actor=owner, body="Written, then undone"))
            raise IntegrityError("the caller's next step failed")

    with pytest.raises(IntegrityError):
        add_then_fail()

    assert not TimelineEvent.objects.filter(pk=added[0].pk).exists()
    assert not HISTORY.objects.filter(id=added[0].pk).exists()


def test_nothing_but_the_audit_trail_listens_to_entry_saves() -> None:
    """The one-statement insert sends no model signals: a new receiver would be skipped. If this
    fails, send the signal from timeline_event_add or write the entry with save() again."""
    for signal in (signals.pre_save, signals.post_save):
        sync, async_ = signal._live_receivers(TimelineEvent)
        modules = {receiver.__module__ for receiver in [*sync, *async_]}
        assert modules <= {"simple_history.models"}, (signal, modules)
    recording = (history_signals.pre_create_historical_record, history_signals.post_create_historical_record)
    for recorded in recording:
        sync, async_ = recorded._live_receivers(HISTORY)
        assert not [*sync, *async_], recorded
