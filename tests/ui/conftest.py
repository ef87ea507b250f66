"""Fixtures for the UI tests: an incident with a timeline, a cause and an action item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from tests.factories import IncidentFactory, ServiceFactory, TimelineEventFactory
from timeline.models import TimelineEvent


@pytest.fixture
def busy_incident(owner: Any) -> Incident:
    """A public incident with three entries, a suspected cause and an open action item."""
    incident = IncidentFactory(
        title="Checkout returns 502",
        commander=owner,
        reporter=owner,
        services=[ServiceFactory(name="checkout")],
    )
    now = timezone.now()
    for minutes, body in (
        (50, "Error rate alert fired"),
        (30, "Rolled back deploy 4182"),
        (5, "Errors back to normal"),
    ):
        TimelineEventFactory(
            incident=incident, occurred_at=now - timedelta(minutes=minutes), body=body, author=owner
        )
    services.cause_add(
        incident=incident,
        actor=owner,
        category="change",
        role="trigger",
        description="Deploy 4182 broke the pool.",
    )
    services.action_add(incident=incident, actor=owner, title="Canary deploys for checkout", owner=owner)
    return incident


@pytest.fixture
def event(busy_incident: Incident) -> TimelineEvent:
    return TimelineEvent.objects.filter(incident=busy_incident).order_by("occurred_at").first()  # type: ignore[return-value]
