"""Causes, action items and status updates through their services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import Cause, Incident, Job, RemediationAction, StatusUpdate
from incidents.services import (
    action_add,
    action_update,
    cause_add,
    cause_delete,
    cause_update,
    status_update_post,
)
from tests.factories import IncidentFactory, TimelineEventFactory

# Causes ---------------------------------------------------------------------------------------


def test_a_cause_starts_as_suspected_with_evidence_from_the_timeline(owner: Any, incident: Incident) -> None:
    graph = TimelineEventFactory(incident=incident, body="Traffic at 3× peak.")
    cause = cause_add(
        incident=incident, actor=owner, category="capacity", description="Surge.", evidence=[graph.pk]
    )
    assert cause.status == "suspected"
    assert cause.role == "contributing"
    assert list(cause.evidence.all()) == [graph]
    assert cause.created_by == owner


def test_evidence_must_belong_to_the_incident(owner: Any, incident: Incident) -> None:
    elsewhere = TimelineEventFactory(incident=IncidentFactory())
    with pytest.raises(ValidationError) as caught:
        cause_add(
            incident=incident, actor=owner, category="network", description="Loss.", evidence=[elsewhere]
        )
    assert "evidence" in caught.value.message_dict
    assert not Cause.objects.exists()


def test_evidence_that_is_not_an_id_is_refused(owner: Any, incident: Incident) -> None:
    with pytest.raises(ValidationError) as caught:
        cause_add(incident=incident, actor=owner, category="network", description="Loss.", evidence=["x"])
    assert "evidence" in caught.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "gremlins"), ("role", "culprit"), ("status", "maybe"), ("description", "  ")],
)
def test_a_cause_with_a_bad_value_is_refused_naming_the_field(
    owner: Any, incident: Incident, field: str, value: str
) -> None:
    values = {"category": "software", "role": "trigger", "status": "suspected", "description": "Bug."}
    values[field] = value
    with pytest.raises(ValidationError) as caught:
        cause_add(incident=incident, actor=owner, **values)
    assert set(caught.value.message_dict) == {field}
    assert not Cause.objects.exists()


def test_the_record_shows_when_a_guess_was_ruled_out(owner: Any, incident: Incident) -> None:
    cause = cause_add(incident=incident, actor=owner, category="hardware", description="Disk failure?")
    suspected_at = cause.status_changed_at
    cause = cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})
    assert cause.status == "ruled_out"
    assert cause.status_changed_at >= suspected_at
    statuses = [h.status for h in cause.history.order_by("history_date", "history_id")]
    assert statuses[0] == "suspected"
    assert statuses[-1] == "ruled_out"


def test_editing_a_cause_without_changing_its_status_keeps_the_status_time(
    owner: Any, incident: Incident
) -> None:
    cause = cause_add(incident=incident, actor=owner, category="software", description="Leak.")
    stamped = cause.status_changed_at
    cause = cause_update(cause=cause, actor=owner, data={"description": "Connection leak on timeout."})
    assert cause.status_changed_at == stamped


def test_a_cause_can_be_deleted_and_its_history_stays(owner: Any, incident: Incident) -> None:
    cause = cause_add(incident=incident, actor=owner, category="unknown", description="Noise.")
    pk = cause.pk
    cause_delete(cause=cause, actor=owner)
    assert not Cause.objects.filter(pk=pk).exists()
    assert Cause.all_objects.get(pk=pk).is_deleted  # a soft delete: admins can restore it
    latest = Cause.history.filter(id=pk).latest("history_date")
    assert latest.deleted_at is not None
    assert latest.history_user == owner


def test_viewers_and_outsiders_cannot_record_causes(
    viewer: Any, outsider: Any, incident: Incident, private_incident: Incident
) -> None:
    with pytest.raises(PermissionDenied):
        cause_add(incident=incident, actor=viewer, category="software", description="Bug.")
    with pytest.raises(PermissionDenied):
        cause_add(incident=private_incident, actor=outsider, category="software", description="Bug.")
    assert not Cause.objects.exists()


# Action items ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("priority", "weeks"), [("P1", 2), ("P2", 4), ("P3", 8)])
def test_without_a_due_date_the_priority_sets_it(
    owner: Any, incident: Incident, priority: str, weeks: int
) -> None:
    action = action_add(incident=incident, actor=owner, title="Add an alert", priority=priority)
    assert action.due_date == timezone.localdate() + timedelta(weeks=weeks)


def test_a_given_due_date_is_kept(owner: Any, incident: Incident) -> None:
    action = action_add(incident=incident, actor=owner, title="Add an alert", due_date=date(2030, 1, 31))
    assert action.due_date == date(2030, 1, 31)


def test_done_needs_a_completion_note(owner: Any, incident: Incident) -> None:
    action = action_add(incident=incident, actor=owner, title="Add an alert")
    with pytest.raises(ValidationError) as caught:
        action_update(action=action, actor=owner, data={"status": "done"})
    assert "completion_note" in caught.value.message_dict
    action.refresh_from_db()
    assert action.status == "open"
    assert action.completed_at is None
    with pytest.raises(ValidationError):
        action_add(incident=incident, actor=owner, title="Closed at birth", status="done")


def test_wont_do_needs_a_reason(owner: Any, incident: Incident) -> None:
    action = action_add(incident=incident, actor=owner, title="Rewrite everything")
    with pytest.raises(ValidationError) as caught:
        action_update(action=action, actor=owner, data={"status": "wont_do", "completion_note": "  "})
    assert "reason" in caught.value.message_dict["completion_note"][0]
    action.refresh_from_db()
    assert action.status == "open"


def test_closing_an_action_stamps_when_and_reopening_clears_it(owner: Any, incident: Incident) -> None:
    action = action_add(incident=incident, actor=owner, title="Add an alert")
    action = action_update(
        action=action, actor=owner, data={"status": "done", "completion_note": "Alert rule merged."}
    )
    assert action.completed_at is not None
    assert action.completion_note == "Alert rule merged."
    assert not action.is_open
    action = action_update(action=action, actor=owner, data={"status": "in_progress"})
    assert action.completed_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("kind", "pray"),
        ("priority", "P0"),
        ("status", "maybe"),
        ("ticket_url", "javascript:alert(1)"),
        ("due_date", "next week"),
    ],
)
def test_an_action_with_a_bad_value_is_refused_naming_the_field(
    owner: Any, incident: Incident, field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        action_add(incident=incident, actor=owner, **{"title": "Fine", field: value})
    assert field in caught.value.message_dict
    assert not RemediationAction.objects.exists()


def test_an_unknown_owner_is_refused(owner: Any, incident: Incident) -> None:
    with pytest.raises(ValidationError) as caught:
        action_add(incident=incident, actor=owner, title="Fine", owner="nobody-here")
    assert "owner" in caught.value.message_dict


def test_actions_link_only_causes_of_their_incident(owner: Any, incident: Incident) -> None:
    other = IncidentFactory(commander=owner)
    foreign = cause_add(incident=other, actor=owner, category="software", description="Bug.")
    with pytest.raises(ValidationError) as caught:
        action_add(incident=incident, actor=owner, title="Fix it", causes=[foreign])
    assert "causes" in caught.value.message_dict
    mine = cause_add(incident=incident, actor=owner, category="software", description="Bug.")
    action = action_add(incident=incident, actor=owner, title="Fix it", causes=[mine.pk])
    assert list(action.causes.all()) == [mine]


def test_assigning_someone_else_enqueues_a_notification_job(
    owner: Any, participant: Any, incident: Incident
) -> None:
    action = action_add(incident=incident, actor=owner, title="Mine", owner=owner)
    assert not Job.objects.filter(name="reminders.action_assigned").exists()
    action_update(action=action, actor=owner, data={"owner": "paul"})
    job = Job.objects.get(name="reminders.action_assigned")
    assert job.kwargs == {"action_id": action.pk}
    assert job.status == "queued"


def test_overdue_means_open_and_past_its_due_date(owner: Any, incident: Incident) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    late = action_add(incident=incident, actor=owner, title="Late", due_date=yesterday)
    done = action_add(incident=incident, actor=owner, title="Done late", due_date=yesterday)
    action_update(action=done, actor=owner, data={"status": "done", "completion_note": "Shipped."})
    action_add(incident=incident, actor=owner, title="On time")
    assert list(RemediationAction.objects.overdue()) == [late]
    assert late.is_overdue


def test_viewers_cannot_add_or_change_actions(viewer: Any, owner: Any, incident: Incident) -> None:
    with pytest.raises(PermissionDenied):
        action_add(incident=incident, actor=viewer, title="Sneaky")
    action = action_add(incident=incident, actor=owner, title="Real")
    with pytest.raises(PermissionDenied):
        action_update(action=action, actor=viewer, data={"title": "Changed"})
    action.refresh_from_db()
    assert action.title == "Real"


# Status updates -------------------------------------------------------------------------------


def test_a_status_update_also_appears_in_the_timeline(owner: Any, incident: Incident) -> None:
    update = status_update_post(
        incident=incident, actor=owner, message="We are investigating.", audience="public"
    )
    assert update.status == "investigating"
    assert update.author == owner
    event = update.event
    assert event is not None
    assert event.kind == "communication"
    assert event.incident == incident
    assert event.author == owner
    assert "We are investigating." in event.body
    assert event.occurred_at == update.posted_at


@pytest.mark.parametrize(
    ("field", "value"), [("message", " "), ("audience", "everyone"), ("status", "panic")]
)
def test_a_bad_status_update_is_refused_and_writes_nothing(
    owner: Any, incident: Incident, field: str, value: str
) -> None:
    values = {"message": "Fine.", "audience": "internal", "status": None, field: value}
    events_before = incident.events.count()
    with pytest.raises(ValidationError) as caught:
        status_update_post(incident=incident, actor=owner, **values)
    assert field in caught.value.message_dict
    assert not StatusUpdate.objects.exists()
    assert incident.events.count() == events_before


def test_viewers_cannot_post_status_updates(viewer: Any, incident: Incident) -> None:
    with pytest.raises(PermissionDenied):
        status_update_post(incident=incident, actor=viewer, message="Hi")
    assert not StatusUpdate.objects.exists()
