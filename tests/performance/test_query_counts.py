"""Every page and endpoint issues a fixed number of queries, whatever the amount of data behind it.

Each GET route of the URLconf is requested with a small world (two incidents, two of everything in
the incident shown), then again after the world has grown tenfold and twentyfold (more incidents,
and more entries, causes, action items and updates in the incident shown). The counts may not grow
by more than the one COUNT(*) a list needs once it has a second page: a query per row (an N+1)
shows up as growth by the number of rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import StatusUpdate
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    TimelineEventFactory,
)
from tests.security.urlwalk import all_routes, fill
from tests.security.world import build_incident, placeholder_values

# Pages whose data is not the incident world's (schema, docs) or that stream files.
NOT_DATA_PAGES = {"/api/v1/schema/", "/api/v1/docs/", "/healthz", "/login/", "/logout/"}


def _grow(world: Any, owner: Any, others: int = 18) -> None:
    incident = world.incident
    for n in range(others):
        TimelineEventFactory(incident=incident, author=owner, body=f"Entry {n}", is_key=n % 3 == 0)
        cause = CauseFactory(incident=incident, description=f"Cause {n}")
        action = RemediationActionFactory(incident=incident, owner=owner, title=f"Action {n}")
        action.causes.add(cause)
        StatusUpdate.objects.create(
            incident=incident, audience="public", status="resolved", message=f"Update {n}"
        )
        other = IncidentFactory(
            title=f"Other {n}", commander=owner, reporter=owner, services=[ServiceFactory()]
        )
        TimelineEventFactory(incident=other, author=owner)
        CauseFactory(incident=other, category="capacity")
        RemediationActionFactory(incident=other, owner=owner)
        StatusUpdate.objects.create(
            incident=other, audience="public", status="investigating", message="Looking."
        )


def _counts(client: Any, routes: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for template, path in routes:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code == 200:
            counts[template] = len(queries.captured_queries)
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_query_counts_do_not_grow_with_the_data(
    client: Any, owner: Any, admin_user: Any, persona: str
) -> None:
    world = build_incident(owner=owner, private=False)
    routes: list[tuple[str, str]] = []
    for route in all_routes():
        if "GET" not in route.methods() or route.template in NOT_DATA_PAGES:
            continue
        values = placeholder_values(route, world, owner=owner)
        if values is not None:
            routes.append((route.template, fill(route, values)))
    _grow(world, owner, others=1)  # two of everything: every list on every page has rows
    client.force_login({"owner": owner, "admin_user": admin_user}[persona])
    _counts(client, routes)  # warm caches (content types, sessions) out of the comparison
    small = _counts(client, routes)
    _grow(world, owner)
    large = _counts(client, routes)
    _grow(world, owner)
    larger = _counts(client, routes)
    # A list that fits on one page is counted from the page itself; past one page it takes one
    # COUNT(*) more (incidents.pagination.LastPageCountingPaginator). A query per row would add 18.
    grown = {
        template: f"{small[template]} → {large[template]} → {larger[template]}"
        for template in small
        if template in large
        and template in larger
        and max(large[template], larger[template]) > small[template] + 1
    }
    assert grown == {}
    assert len(small) >= 20, sorted(small)
