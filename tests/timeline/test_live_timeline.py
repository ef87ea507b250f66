"""`lookups_sql.LiveTimeline`, the API timeline's page reader: the same entries in the same order as
`timeline_for_incident`, with the count and the authors' names from the same statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.lookups_sql import LiveTimeline
from tests.factories import IncidentFactory, TimelineEventFactory, UserFactory
from timeline.selectors import timeline_for_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(owner: Any) -> Any:
    """An incident with 25 live entries (ties in time, no author, edited), 3 deleted, and a
    neighbour whose entries must never show."""
    incident = IncidentFactory(commander=owner)
    base = timezone.now() - timedelta(hours=2)
    other = UserFactory(username="renamed-later")
    for n in range(25):
        TimelineEventFactory(
            incident=incident,
            author=None if n % 7 == 0 else (owner if n % 2 else other),
            occurred_at=base + timedelta(minutes=n // 3),  # three entries per minute: ties
            body=f"Entry {n}",
            edited_at=timezone.now() if n == 4 else None,
        )
    for n in range(3):
        TimelineEventFactory(incident=incident, author=owner, deleted_at=timezone.now(), body=f"Gone {n}")
    TimelineEventFactory.create_batch(4, incident=IncidentFactory())
    return incident


@pytest.mark.parametrize(
    ("start", "stop"), [(0, 20), (0, 21), (20, 40), (20, 41), (24, 26), (25, 45), (40, 60)]
)
def test_a_slice_is_the_orm_slice_with_authors_and_count(busy: Any, start: int, stop: int) -> None:
    expected = list(timeline_for_incident(incident=busy)[start:stop])
    live = LiveTimeline(busy)

    with CaptureQueriesContext(connection) as queries:
        rows = live[start:stop]

    assert len(queries) == 1
    assert rows == expected
    assert [row.author_username for row in rows] == [  # type: ignore[attr-defined]
        event.author.username if event.author else None for event in expected
    ]
    assert [(row.occurred_at, row.edited_at, row.body, row.is_key) for row in rows] == [
        (event.occurred_at, event.edited_at, event.body, event.is_key) for event in expected
    ]
    assert all(row.incident is busy for row in rows)
    with CaptureQueriesContext(connection) as queries:
        assert live.count() == 25
    assert len(queries) == (0 if rows else 1)  # counted by the slice itself when it had rows


def test_an_empty_timeline(owner: Any) -> None:
    live = LiveTimeline(IncidentFactory())

    assert live[0:21] == []
    assert live.count() == 0
    assert live[5:5] == []


def test_it_is_read_a_page_at_a_time(busy: Any) -> None:
    with pytest.raises(TypeError):
        LiveTimeline(busy)[5:]
