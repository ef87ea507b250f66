"""Duplicates and false alarms stay on record but out of metrics; every change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.models import Incident
from incidents.services import action_add, action_update, incident_declare, incident_update
from tests.factories import TimelineEventFactory


@pytest.fixture
def original(owner: Any) -> Incident:
    return incident_declare(actor=owner, title="Checkout errors", severity="SEV1")


@pytest.fixture
def second_report(owner: Any) -> Incident:
    return incident_declare(actor=owner, title="Payments failing", severity="SEV2")


def test_a_duplicate_keeps_its_events_and_links_to_the_original(
    owner: Any, original: Incident, second_report: Incident
) -> None:
    TimelineEventFactory(incident=second_report, author=owner, body="Customers cannot pay.")
    incident_update(incident=second_report, actor=owner, data={"duplicate_of": original})
    second_report.refresh_from_db()
    assert second_report.duplicate_of == original
    assert list(original.duplicates.all()) == [second_report]
    assert second_report.events.filter(body="Customers cannot pay.").exists()
    assert Incident.objects.filter(pk=second_report.pk).exists()


def test_an_incident_cannot_duplicate_itself_or_its_own_duplicate(
    owner: Any, original: Incident, second_report: Incident
) -> None:
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=original, actor=owner, data={"duplicate_of": original})
    assert "duplicate_of" in caught.value.message_dict
    incident_update(incident=second_report, actor=owner, data={"duplicate_of": original})
    second_report.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=original, actor=owner, data={"duplicate_of": second_report})
    assert "duplicate_of" in caught.value.message_dict
    original.refresh_from_db()
    assert original.duplicate_of is None


def test_countable_leaves_out_duplicates_and_false_alarms(
    owner: Any, original: Incident, second_report: Incident
) -> None:
    alarm = incident_declare(actor=owner, title="Disk alert", severity="SEV3")
    incident_update(incident=second_report, actor=owner, data={"duplicate_of": original})
    incident_update(incident=alarm, actor=owner, data={"false_alarm": True, "status": "resolved"})
    assert list(Incident.objects.countable()) == [original]
    assert Incident.objects.count() == 3
    alarm.refresh_from_db()
    assert alarm.false_alarm
    assert alarm.status == "resolved"


def test_unmarking_makes_an_incident_count_again(owner: Any, original: Incident) -> None:
    incident_update(incident=original, actor=owner, data={"false_alarm": True})
    incident_update(incident=original, actor=owner, data={"false_alarm": False})
    assert list(Incident.objects.countable()) == [original]


def test_a_stale_version_is_refused_and_changes_nothing(owner: Any, original: Incident) -> None:
    from incidents.exceptions import ConflictError

    incident_update(incident=original, actor=owner, data={"title": "First edit"}, expected_version=1)
    with pytest.raises(ConflictError):
        incident_update(incident=original, actor=owner, data={"title": "Stale edit"}, expected_version=1)
    original.refresh_from_db()
    assert original.title == "First edit"
    assert original.version == 2


def test_unknown_fields_are_refused(owner: Any, original: Incident) -> None:
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=original, actor=owner, data={"reference": "INC-999"})
    assert "reference" in caught.value.message_dict
    original.refresh_from_db()
    assert original.reference == "INC-1"


def test_viewers_cannot_declare_or_edit(viewer: Any, original: Incident) -> None:
    with pytest.raises(PermissionDenied):
        incident_declare(actor=viewer, title="Nope", severity="SEV4")
    with pytest.raises(PermissionDenied):
        incident_update(incident=original, actor=viewer, data={"severity": "SEV4"})
    original.refresh_from_db()
    assert original.severity == "SEV1"


def test_outsiders_cannot_edit_a_private_incident(outsider: Any, private_incident: Incident) -> None:
    with pytest.raises(PermissionDenied):
        incident_update(incident=private_incident, actor=outsider, data={"title": "Mine now"})


# Audit trail ----------------------------------------------------------------------------------


def test_the_audit_trail_records_who_when_and_before_after(
    owner: Any, participant: Any, original: Incident
) -> None:
    incident_update(incident=original, actor=participant, data={"severity": "SEV2", "title": "Checkout 500s"})
    latest, previous = original.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_user == participant
    assert latest.history_type == "~"
    assert latest.history_date is not None
    delta = latest.diff_against(previous)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["severity"] == ("SEV1", "SEV2")
    assert changes["title"] == ("Checkout errors", "Checkout 500s")
    first = original.history.earliest("history_date")
    assert first.history_type == "+"
    assert first.history_user == owner


def test_action_changes_are_audited_too(owner: Any, participant: Any, original: Incident) -> None:
    action = action_add(incident=original, actor=owner, title="Add alert")
    action_update(action=action, actor=participant, data={"priority": "P1"})
    latest = action.history.latest()
    assert latest.history_user == participant
    assert latest.priority == "P1"
    assert latest.prev_record is not None
    assert latest.prev_record.priority == "P2"
