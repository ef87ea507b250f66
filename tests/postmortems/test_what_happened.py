"""The generated postmortem says what happened: how the incident was detected (not how its alerts
recovered), and how each action item stands: overdue, done with its note, or not done and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate
from incidents.services.alerts import alertmanager_ingest
from tests.factories import RemediationActionFactory, TimelineEventFactory
from tests.postmortems.conftest import START

pytestmark = pytest.mark.django_db


def section(incident: Incident, key: str) -> str:
    postmortem_generate(incident_id=incident.pk)
    return Postmortem.objects.get(incident=incident).sections.get(key=key).body


def test_detection_lists_the_firing_alert_but_not_its_recovery(record: Incident) -> None:
    for state, minutes in (("Firing", 6), ("Resolved", 45)):
        TimelineEventFactory(
            incident=record,
            occurred_at=START + timedelta(minutes=minutes),
            kind="alert",
            source="webhook",
            body=f"**{state}:** CheckoutErrors — 5xx above 20%",
        )
    TimelineEventFactory(
        incident=record, occurred_at=START + timedelta(minutes=46), kind="alert", body="[RESOLVED] Latency"
    )

    detection = section(record, "detection")

    assert "**Firing:** CheckoutErrors" in detection
    assert "Resolved" not in detection
    assert "RESOLVED" not in detection
    assert "5xx rate > 20%" in detection  # the alert entry people wrote
    appendix = section(record, "appendix")
    assert "**Resolved:** CheckoutErrors" in appendix  # still in the full timeline


def test_detection_leaves_out_recoveries_that_alertmanager_sent(owner: Any) -> None:
    """Through the real webhook path: a group fires, then resolves."""
    starts = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    alert = {
        "labels": {"alertname": "DiskFull", "severity": "critical"},
        "annotations": {"summary": "db-1 disk at 98%"},
        "startsAt": starts.isoformat(),
        "fingerprint": "f1",
    }
    firing = {"status": "firing", "groupKey": "g1", "alerts": [{**alert, "status": "firing"}]}
    resolved = {
        "status": "resolved",
        "groupKey": "g1",
        "alerts": [{**alert, "status": "resolved", "endsAt": (starts + timedelta(minutes=20)).isoformat()}],
    }
    incident = alertmanager_ingest(payload=firing).incident
    alertmanager_ingest(payload=resolved)

    detection = section(incident, "detection")

    assert "**Firing:** DiskFull" in detection
    assert "**Resolved:** DiskFull" not in detection


def test_the_action_items_table_marks_overdue_items_and_says_how_closed_ones_ended(
    record: Incident, owner: Any
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    RemediationActionFactory(
        incident=record, title="Rotate the payment keys", priority="P1", due_date=yesterday, owner=owner
    )
    RemediationActionFactory(
        incident=record,
        title="Rewrite the tax engine",
        priority="P1",
        due_date=yesterday,
        status="wont_do",
        completion_note="Replaced by a vendor |\nservice next quarter",
    )
    RemediationActionFactory(
        incident=record,
        title="Add a checkout canary",
        priority="P1",
        due_date=yesterday,
        status="done",
        completion_note="Shipped in PR 812",
    )

    table = section(record, "action_items")

    assert (
        f"| Rotate the payment keys | Prevent | P1 | olivia | {yesterday} | **overdue** (Open) | — | — |"
        in table
    )
    assert (
        f"| Rewrite the tax engine | Prevent | P1 | — | {yesterday} | Won't do | — | "
        "Won't do: Replaced by a vendor \\| service next quarter |"
    ) in table
    assert (
        f"| Add a checkout canary | Prevent | P1 | — | {yesterday} | Done | — | Shipped in PR 812 |" in table
    )
