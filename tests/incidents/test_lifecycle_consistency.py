"""The lifecycle stays consistent: reopening clears what no longer holds, owners can reach their items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents import selectors
from incidents.models import Job
from incidents.permissions import can_view_incident
from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_ensure,
    postmortem_publish,
    postmortem_reopen,
    postmortem_submit,
    section_update,
)
from incidents.services import incident_update
from incidents.services.actions import action_add, action_update
from tests.factories import IncidentFactory, UserFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def test_reopening_a_resolved_incident_clears_its_resolved_time_with_a_system_entry(owner: Any) -> None:
    started = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(commander=owner, reporter=owner, started_at=started, detected_at=started)
    incident = incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    assert incident.resolved_at is not None

    incident = incident_update(incident=incident, actor=owner, data={"status": "investigating"})
    assert incident.resolved_at is None
    bodies = list(
        TimelineEvent.objects.filter(incident=incident, source="system").values_list("body", flat=True)
    )
    assert any(
        body.startswith("Resolved time changed from ") and body.endswith(" to unset.") for body in bodies
    )

    # Later milestones are accepted instead of colliding with the old resolved time.
    mitigated = timezone.now() - timedelta(minutes=1)
    incident = incident_update(incident=incident, actor=owner, data={"mitigated_at": mitigated})
    assert incident.mitigated_at == mitigated
    incident = incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    assert incident.resolved_at is not None
    assert incident.resolved_at >= mitigated


def test_reopening_the_postmortem_of_a_closed_incident_moves_it_back_to_resolved(
    owner: Any, outsider: Any
) -> None:
    incident = IncidentFactory(commander=owner, reporter=owner, status="resolved", resolved_at=timezone.now())
    postmortem = postmortem_ensure(incident=incident)
    for key in ("summary", "impact", "causes", "action_items"):
        section_update(postmortem=postmortem, key=key, actor=owner, body=f"The {key}.")
    postmortem_submit(postmortem=postmortem, actor=owner)
    postmortem_approve(postmortem=postmortem, actor=outsider)
    postmortem_publish(postmortem=postmortem, actor=owner)
    incident = incident_update(incident=incident, actor=owner, data={"status": "closed"})
    generations = Job.objects.filter(name="postmortems.generate").count()

    postmortem_reopen(postmortem=postmortem, actor=owner)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert TimelineEvent.objects.filter(
        incident=incident, body="Status changed from Closed to Resolved."
    ).exists()
    # Not a new resolution: the draft is not regenerated under its writers.
    assert Job.objects.filter(name="postmortems.generate").count() == generations


def test_the_owner_of_an_item_on_a_private_incident_sees_it_and_closes_it(
    owner: Any, private_incident: Any, outsider: Any
) -> None:
    action = action_add(incident=private_incident, actor=owner, title="Rotate the keys", owner=outsider)
    assert can_view_incident(outsider, private_incident)
    assert selectors.incident_get(user=outsider, reference=private_incident.reference) == private_incident
    assert list(selectors.action_list(user=outsider)) == [action]
    done = action_update(
        action=action, actor=outsider, data={"status": "done", "completion_note": "Rotated on Monday."}
    )
    assert done.status == "done"

    # Handed over later: the new owner can reach it too.
    dana = UserFactory(username="dana", role="responder")
    action_update(action=action, actor=owner, data={"owner": dana})
    assert can_view_incident(dana, private_incident)
