"""Timeline events: order, validation, edit history, soft delete and restore."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident
from timeline.models import TimelineEvent
from timeline.selectors import deleted_events, event_get, key_events, last_activity_at, timeline_for_incident
from timeline.services import (
    timeline_event_add,
    timeline_event_delete,
    timeline_event_restore,
    timeline_event_update,
)


def test_the_timeline_is_ordered_by_when_things_happened_then_when_written(
    owner: Any, incident: Incident
) -> None:
    now = timezone.now()
    late_entry = timeline_event_add(
        incident=incident, actor=owner, body="Paged on-call", occurred_at=now - timedelta(minutes=30)
    )
    first = timeline_event_add(
        incident=incident, actor=owner, body="Errors rise", occurred_at=now - timedelta(hours=1)
    )
    same_time_a = timeline_event_add(
        incident=incident, actor=owner, body="A", occurred_at=now - timedelta(minutes=10)
    )
    same_time_b = timeline_event_add(
        incident=incident, actor=owner, body="B", occurred_at=now - timedelta(minutes=10)
    )
    assert list(timeline_for_incident(incident=incident)) == [first, late_entry, same_time_a, same_time_b]


def test_an_entry_defaults_to_now_and_records_who_and_how(owner: Any, incident: Incident) -> None:
    before = timezone.now()
    event = timeline_event_add(incident=incident, actor=owner, body="Restarted the pool", kind="action")
    assert before <= event.occurred_at <= timezone.now()
    assert event.recorded_at >= event.occurred_at
    assert event.author == owner
    assert event.source == "web"
    assert event.kind == "action"


def test_webhook_and_system_entries_have_no_author(owner: Any, incident: Incident) -> None:
    for source in ("webhook", "system"):
        event = timeline_event_add(incident=incident, actor=owner, body="From a machine", source=source)
        assert event.author is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"occurred_at": timezone.now() + timedelta(hours=1)}, "occurred_at"),
        ({"occurred_at": datetime(2026, 1, 1, 12, 0)}, "occurred_at"),  # noqa: DTZ001 — the point
    ],
)
def test_a_bad_entry_is_refused_naming_the_field(
    owner: Any, incident: Incident, data: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"body": "Fine", **data}
    with pytest.raises(ValidationError) as caught:
        timeline_event_add(incident=incident, actor=owner, **values)
    assert field in caught.value.message_dict
    assert not TimelineEvent.all_objects.filter(incident=incident).exists()


def test_editing_keeps_the_old_text_in_history(owner: Any, participant: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Rollback started")
    assert event.edited_at is None
    timeline_event_update(event=event, actor=participant, data={"body": "Rollback of 4.18.1 started"})
    event.refresh_from_db()
    assert event.body == "Rollback of 4.18.1 started"
    assert event.edited_at is not None
    bodies = [record.body for record in event.history.order_by("history_date", "history_id")]
    assert bodies == ["Rollback started", "Rollback of 4.18.1 started"]
    assert event.history.latest().history_user == participant


def test_pinning_is_not_an_edit(owner: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Root cause found")
    timeline_event_update(event=event, actor=owner, data={"is_key": True})
    event.refresh_from_db()
    assert event.is_key
    assert event.edited_at is None
    assert list(key_events(incident=incident)) == [event]


def test_an_edit_that_changes_nothing_writes_no_history(owner: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Same")
    timeline_event_update(event=event, actor=owner, data={"body": "Same"})
    assert event.history.count() == 1


def test_a_bad_edit_is_refused_and_changes_nothing(owner: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Original")
    with pytest.raises(ValidationError):
        timeline_event_update(event=event, actor=owner, data={"body": "", "kind": "decision"})
    with pytest.raises(ValidationError) as caught:
        timeline_event_update(event=event, actor=owner, data={"author": None})
    assert "author" in caught.value.message_dict
    event.refresh_from_db()
    assert (event.body, event.kind) == ("Original", "note")


def test_deleting_hides_the_entry_everywhere_but_keeps_it_for_admins(owner: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Wrong incident", is_key=True)
    timeline_event_delete(event=event, actor=owner)
    assert list(timeline_for_incident(incident=incident)) == []
    assert list(key_events(incident=incident)) == []
    assert not TimelineEvent.objects.filter(pk=event.pk).exists()
    assert list(deleted_events(incident=incident)) == [event]
    ids = Incident.objects.filter(pk=incident.pk).values("pk")
    assert event_get(incident_ids=ids, pk=event.pk) is None
    assert event_get(incident_ids=ids, pk=event.pk, include_deleted=True) == event
    event.refresh_from_db()
    assert event.deleted_by == owner
    assert event.body == "Wrong incident"


def test_a_deleted_entry_cannot_be_edited(owner: Any, incident: Incident) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Gone")
    timeline_event_delete(event=event, actor=owner)
    with pytest.raises(ValidationError):
        timeline_event_update(event=event, actor=owner, data={"body": "Back?"})


def test_restoring_brings_the_entry_back_in_place(owner: Any, admin_user: Any, incident: Incident) -> None:
    earlier = timeline_event_add(
        incident=incident, actor=owner, body="Earlier", occurred_at=timezone.now() - timedelta(hours=1)
    )
    event = timeline_event_add(incident=incident, actor=owner, body="Mistakenly deleted")
    timeline_event_delete(event=event, actor=owner)
    timeline_event_restore(event=event, actor=admin_user)
    assert list(timeline_for_incident(incident=incident)) == [earlier, event]
    event.refresh_from_db()
    assert event.deleted_at is None
    assert event.deleted_by is None
    assert event.history.latest().history_user == admin_user
    assert list(deleted_events(incident=incident)) == []


def test_last_activity_is_the_latest_written_entry(owner: Any, incident: Incident) -> None:
    assert last_activity_at(incident=incident) is None
    event = timeline_event_add(
        incident=incident, actor=owner, body="Back-dated", occurred_at=timezone.now() - timedelta(hours=2)
    )
    assert last_activity_at(incident=incident) == event.recorded_at
