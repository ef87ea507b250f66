"""timeline_events_add_many: the bulk path imports use, held to the rules of the one-entry path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident
from timeline.models import TimelineEvent
from timeline.services import NewEntry, timeline_events_add_many


def test_entries_land_with_their_authors_times_and_history(owner: Any, incident: Incident) -> None:
    version = Incident.objects.get(pk=incident.pk).record_version
    began = timezone.now() - timedelta(hours=2)
    added = timeline_events_add_many(
        incident=incident,
        entries=[
            NewEntry(
                actor=owner, body="  Paged on-call ", kind="alert", occurred_at=began, external_id="pd:1"
            ),
            NewEntry(actor=None, body="Rolled back", kind="action", occurred_at=began + timedelta(minutes=5)),
        ],
    )

    assert [event.pk is not None for event in added] == [True, True]
    first, second = TimelineEvent.objects.filter(incident=incident, source="import").order_by("occurred_at")
    assert (first.body, first.kind, first.author, first.occurred_at, first.external_id) == (
        "Paged on-call",
        "alert",
        owner,
        began,
        "pd:1",
    )
    assert second.author is None
    # Each entry has its creation in its history, by who wrote it, as the one-entry path records it.
    assert first.history.get().history_user == owner
    assert first.history.get().history_type == "+"
    assert second.history.count() == 1
    # Pollers see the change: the incident's record version moved on (once, for the batch).
    assert Incident.objects.get(pk=incident.pk).record_version == version + 1


def test_one_bad_entry_refuses_the_batch_naming_it(owner: Any, incident: Incident) -> None:
    version = Incident.objects.get(pk=incident.pk).record_version
    with pytest.raises(ValidationError) as refused:
        timeline_events_add_many(
            incident=incident,
            entries=[
                NewEntry(actor=owner, body="Fine"),
                NewEntry(actor=owner, body="   "),
                NewEntry(actor=owner, body="From the future", occurred_at=timezone.now() + timedelta(days=1)),
                NewEntry(actor=owner, body="Odd kind", kind="gossip"),
            ],
        )

    assert set(refused.value.message_dict) == {"entries[1].body", "entries[2].occurred_at", "entries[3].kind"}
    assert not TimelineEvent.objects.filter(incident=incident, source="import").exists()
    assert Incident.objects.get(pk=incident.pk).record_version == version


def test_nothing_to_add_writes_nothing(incident: Incident) -> None:
    version = Incident.objects.get(pk=incident.pk).record_version

    assert timeline_events_add_many(incident=incident, entries=[]) == []
    assert Incident.objects.get(pk=incident.pk).record_version == version
