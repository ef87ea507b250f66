"""LastPageCountingPaginator: a page that is the last is counted from its own rows, without COUNT(*)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.pagination import LastPageCountingPaginator
from tests.factories import IncidentFactory, TimelineEventFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def entries(incident: Any) -> Any:
    return TimelineEvent.objects.filter(incident=incident).order_by("pk")


def page_of(rows: Any, number: Any, per_page: int = 20) -> tuple[Any, int, int]:
    with CaptureQueriesContext(connection) as queries:
        paginator = LastPageCountingPaginator(rows, per_page)
        page = paginator.page(number)
        listed = list(page)
        count = paginator.count
        page.has_next()
    return listed, count, len(queries)


@pytest.mark.parametrize(
    ("total", "number", "shown", "queries"),
    [
        (0, 1, 0, 1),
        (3, 1, 3, 1),
        (20, 1, 20, 1),
        (21, 1, 20, 2),
        (25, 2, 5, 1),
        (40, 2, 20, 1),
        (41, 2, 20, 2),
    ],
)
def test_a_last_page_needs_no_count(total: int, number: int, shown: int, queries: int) -> None:
    incident = IncidentFactory()
    TimelineEventFactory.create_batch(total, incident=incident)
    expected = list(entries(incident))[(number - 1) * 20 : number * 20]

    listed, count, made = page_of(entries(incident), number)

    assert listed == expected
    assert len(listed) == shown
    assert count == total
    assert made == queries


def test_pages_past_the_end_and_bad_numbers_are_refused_as_before() -> None:
    incident = IncidentFactory()
    TimelineEventFactory.create_batch(25, incident=incident)
    with pytest.raises(EmptyPage):
        LastPageCountingPaginator(entries(incident), 20).page(3)
    with pytest.raises(EmptyPage):
        LastPageCountingPaginator(entries(incident), 20).page(0)
    with pytest.raises(PageNotAnInteger):
        LastPageCountingPaginator(entries(incident), 20).page("two")
    with pytest.raises(EmptyPage):
        LastPageCountingPaginator(entries(IncidentFactory()), 20).page(2)


def test_orphans_join_the_last_page() -> None:
    incident = IncidentFactory()
    TimelineEventFactory.create_batch(22, incident=incident)

    paginator = LastPageCountingPaginator(entries(incident), 20, orphans=3)
    page = paginator.page(1)

    assert len(page) == 22
    assert paginator.count == 22
    assert paginator.num_pages == 1


def test_a_page_number_past_any_offset_is_refused_not_queried(incident: Any) -> None:
    with pytest.raises(EmptyPage):
        LastPageCountingPaginator(entries(incident), 20).page("24466877741864310538240")
