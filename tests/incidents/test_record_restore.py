"""record_restore: the one writer of an export's causes, action items and updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Cause, RemediationAction, StatusUpdate
from incidents.services.restore import RestoredAction, RestoredCause, record_restore
from tests.factories import IncidentFactory, TimelineEventFactory


def test_restored_rows_are_tied_to_the_incident_with_their_links_and_history(incident):
    entry = TimelineEventFactory(incident=incident)
    cause = Cause(category="capacity", role="root", status="confirmed", description="Pool too small")
    action = RemediationAction(
        title="Raise the pool", kind="repair", priority="P2", due_date=dt.date(2026, 1, 5)
    )
    update = StatusUpdate(audience="internal", status="investigating", message="Looking", event=entry)
    record_restore(
        incident=incident,
        actor=None,
        causes=[RestoredCause(cause=cause, evidence=[entry], key=7)],
        actions=[RestoredAction(action=action, cause_keys=[7, 99])],
        updates=[update],
    )
    assert list(cause.evidence.all()) == [entry]
    assert list(action.causes.all()) == [cause]
    assert update.incident == incident
    # In the audit trail (a row for the save, and one for the evidence/causes links).
    assert cause.history.filter(history_type="+").count() == 1
    assert action.history.filter(history_type="+").count() == 1


def test_evidence_from_another_incident_is_refused_and_nothing_is_saved(incident):
    elsewhere = TimelineEventFactory(incident=IncidentFactory())
    cause = Cause(category="capacity", role="root", status="confirmed", description="Pool too small")
    with pytest.raises(ValidationError) as refused:
        record_restore(
            incident=incident,
            actor=None,
            causes=[RestoredCause(cause=cause, evidence=[elsewhere])],
            actions=[],
            updates=[],
        )
    assert "causes.evidence" in refused.value.message_dict
    assert not Cause.objects.filter(incident=incident).exists()
