"""`generate_data` builds valid history in bulk, without breaking the reference sequence."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from incidents.choices import LIFECYCLE_FIELDS
from incidents.models import Counter, Incident, RemediationAction, StatusUpdate
from incidents.services.declare import incident_declare
from timeline.models import TimelineEvent


def _generate(**options: Any) -> None:
    call_command(
        "generate_data",
        incidents=options.get("incidents", 30),
        events_per_incident=options.get("events", 5),
        actions_per_incident=options.get("actions", 2),
        users=5,
        batch_size=options.get("batch_size", 7),
        seed=options.get("seed", 3),
        verbosity=0,
    )


@pytest.mark.django_db
def test_it_creates_the_requested_volumes() -> None:
    _generate(incidents=30, events=5, actions=2)
    assert Incident.objects.count() == 30
    assert TimelineEvent.objects.count() == 30 * 5
    assert RemediationAction.objects.count() == 30 * 2
    assert StatusUpdate.objects.filter(event__kind="communication").count() == 30


@pytest.mark.django_db
def test_references_stay_unique_and_gapless_after_existing_incidents(owner: Any) -> None:
    before = incident_declare(actor=owner, title="Declared by hand", severity="SEV3")
    _generate(incidents=20, batch_size=6)
    after = incident_declare(actor=owner, title="Declared after the generator", severity="SEV3")
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers == list(range(before.number, before.number + 22))
    assert after.reference == f"INC-{before.number + 21}"
    assert Counter.objects.get(name="incident").value == after.number
    assert len(set(Incident.objects.values_list("reference", flat=True))) == 22


@pytest.mark.django_db
def test_lifecycle_timestamps_are_in_order_and_match_the_status() -> None:
    _generate(incidents=60, events=3, actions=1, seed=11)
    statuses = set()
    for incident in Incident.objects.all():
        stamps = [getattr(incident, field) for field in LIFECYCLE_FIELDS]
        present = [stamp for stamp in stamps if stamp is not None]
        assert present == sorted(present), incident.reference
        if incident.status in ("resolved", "closed"):
            assert incident.resolved_at is not None
        else:
            assert incident.resolved_at is None
        statuses.add(incident.status)
    assert {"closed", "resolved"} <= statuses
    assert Incident.objects.values("severity").distinct().count() >= 3


@pytest.mark.django_db
def test_every_incident_has_a_service_and_events_inside_it() -> None:
    _generate(incidents=10, events=4, actions=0)
    for incident in Incident.objects.prefetch_related("services", "events"):
        assert incident.services.count() >= 1
        events = list(incident.events.all())
        assert events[0].kind == "detection"
        assert all(event.occurred_at >= incident.started_at for event in events)
