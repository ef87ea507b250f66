"""A realistic incident record: it starts before midnight UTC and ends after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    TimelineEventFactory,
    UserFactory,
)

START = datetime(2026, 11, 19, 23, 40, tzinfo=UTC)
# Due dates ahead of whatever today is: the action items table marks an open item past its due date.
CANARY_DUE = timezone.localdate() + timedelta(days=30)
ALERT_DUE = timezone.localdate() + timedelta(days=14)


@pytest.fixture
def reviewer(db: Any) -> Any:
    return UserFactory(username="rita", role="responder")


@pytest.fixture
def record(owner: Any) -> Incident:
    """INC with pinned and unpinned events across midnight, causes of every role and status, actions."""
    incident = IncidentFactory(
        title="Checkout outage",
        severity="SEV1",
        status="resolved",
        commander=owner,
        reporter=owner,
        summary="Checkout failed for most users for 50 minutes.",
        impact="",
        started_at=START,
        detected_at=START + timedelta(minutes=7),
        acknowledged_at=START + timedelta(minutes=10),
        mitigated_at=START + timedelta(minutes=35),
        resolved_at=START + timedelta(minutes=50),
        services=[ServiceFactory(name="checkout"), ServiceFactory(name="api-gateway")],
    )
    event = TimelineEventFactory.create
    deploy = event(
        incident=incident,
        occurred_at=START - timedelta(minutes=5),
        kind="action",
        body="Deployed payments v2.3",
        is_key=True,
        author=owner,
    )
    alert = event(
        incident=incident,
        occurred_at=START + timedelta(minutes=7),
        kind="alert",
        body="5xx rate > 20%",
        is_key=True,
    )
    event(
        incident=incident,
        occurred_at=START + timedelta(minutes=12),
        kind="note",
        body="Looking at dashboards",
    )
    rollback = event(
        incident=incident,
        occurred_at=START + timedelta(minutes=30),
        kind="action",
        body="Rolled back payments to v2.2",
        is_key=True,
        author=owner,
    )
    event(
        incident=incident,
        occurred_at=START + timedelta(minutes=35),
        kind="milestone",
        body="Error rate back to normal",
        is_key=True,
    )
    deleted = event(
        incident=incident,
        occurred_at=START + timedelta(minutes=36),
        kind="note",
        body="Secret mistake",
        is_key=True,
        deleted_at=START + timedelta(minutes=40),
    )
    contributing = CauseFactory(
        incident=incident,
        category="process",
        role="contributing",
        status="suspected",
        description="No canary stage",
    )
    ruled_out = CauseFactory(
        incident=incident,
        category="dependency",
        role="root_cause",
        status="ruled_out",
        description="Payment provider outage",
    )
    root = CauseFactory(
        incident=incident,
        category="software",
        role="root_cause",
        status="confirmed",
        description="Null pointer in the new tax code path",
    )
    trigger = CauseFactory(
        incident=incident, category="change", role="trigger", status="confirmed", description="Deploy of v2.3"
    )
    trigger.evidence.set([deploy, deleted])
    root.evidence.set([alert, rollback])
    del contributing, ruled_out
    RemediationActionFactory(
        incident=incident,
        title="Add a canary stage | to payments",
        kind="prevent",
        priority="P2",
        owner=owner,
        due_date=CANARY_DUE,
        ticket_url="https://tracker.example.com/PAY-1",
    )
    RemediationActionFactory(
        incident=incident,
        title="Alert on checkout 5xx",
        kind="detect",
        priority="P1",
        due_date=ALERT_DUE,
    )
    return incident
