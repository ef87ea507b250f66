"""Every change of status, severity, commander or a lifecycle time writes a system timeline event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.choices import LIFECYCLE_FIELDS
from incidents.lifecycle import LABELS
from incidents.models import Incident
from incidents.services import incident_declare, incident_update
from tests.factories import UserFactory


@pytest.fixture
def declared(owner: Any) -> Incident:
    return incident_declare(
        actor=owner, title="Queue backlog", severity="SEV3", detected_at=timezone.now() - timedelta(hours=3)
    )


def _system_events(incident: Incident) -> list[tuple[str, str]]:
    return list(incident.events.filter(source="system").order_by("id").values_list("kind", "body"))


def test_declaring_writes_one_system_event(declared: Incident) -> None:
    events = _system_events(declared)
    assert events == [("status_change", "Incident declared: SEV3, Investigating.")]
    event = declared.events.get()
    assert event.author is None


def test_a_status_change_writes_a_status_event(declared: Incident, owner: Any) -> None:
    incident_update(incident=declared, actor=owner, data={"status": "identified"})
    assert _system_events(declared)[1:] == [
        ("status_change", "Status changed from Investigating to Identified.")
    ]


def test_a_severity_change_writes_a_severity_event(declared: Incident, owner: Any) -> None:
    incident_update(incident=declared, actor=owner, data={"severity": "SEV1"})
    assert _system_events(declared)[1:] == [("severity_change", "Severity changed from SEV3 to SEV1.")]


def test_a_commander_change_writes_a_role_event(declared: Incident, owner: Any, participant: Any) -> None:
    incident_update(incident=declared, actor=owner, data={"commander": "paul"})
    assert _system_events(declared)[1:] == [
        ("role_change", "Incident commander changed from olivia to paul.")
    ]
    incident_update(incident=declared, actor=owner, data={"commander": None})
    assert _system_events(declared)[-1] == ("role_change", "Incident commander changed from paul to nobody.")


@pytest.mark.parametrize("field", LIFECYCLE_FIELDS)
def test_each_lifecycle_time_change_writes_a_milestone_event(
    declared: Incident, owner: Any, field: str
) -> None:
    # A time every field may take: after detection (3 h ago) for the later ones, before it for the start.
    moment = declared.detected_at + timedelta(minutes=30)
    if field == "started_at":
        moment = declared.detected_at - timedelta(minutes=30)
    if field == "detected_at":
        moment = declared.detected_at + timedelta(minutes=1)
    incident_update(incident=declared, actor=owner, data={field: moment})
    new_events = _system_events(declared)[1:]
    assert len(new_events) == 1
    kind, body = new_events[0]
    assert kind == "milestone"
    assert body.startswith(f"{LABELS[field].capitalize()} time changed from ")
    assert moment.strftime("%Y-%m-%d %H:%M") in body


def test_a_status_move_that_stamps_a_time_writes_both_events(declared: Incident, owner: Any) -> None:
    incident_update(incident=declared, actor=owner, data={"status": "monitoring"})
    kinds = [kind for kind, _ in _system_events(declared)[1:]]
    assert kinds == ["status_change", "milestone"]
    assert "Mitigated time changed from unset" in _system_events(declared)[-1][1]


def test_changes_that_touch_none_of_these_write_no_event(declared: Incident, owner: Any) -> None:
    incident_update(
        incident=declared,
        actor=owner,
        data={"title": "Queue backlog in eu-west", "summary": "Growing.", "severity": "SEV3"},
    )
    assert len(_system_events(declared)) == 1


def test_system_events_have_no_author_but_the_audit_knows_who(declared: Incident, owner: Any) -> None:
    incident_update(incident=declared, actor=owner, data={"status": "identified"})
    event = declared.events.filter(source="system").latest("id")
    assert event.author is None
    assert event.history.latest().history_user == owner


def test_system_events_do_not_make_the_actor_a_participant(declared: Incident) -> None:
    admin = UserFactory(username="root", role="admin")
    incident_update(incident=declared, actor=admin, data={"private": True, "status": "identified"})
    assert not declared.events.filter(author=admin).exists()
