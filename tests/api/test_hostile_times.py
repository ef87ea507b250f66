"""Times at the edges of what datetime can hold are a 400 through the API too, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident
from tests.security.snapshot import changed_tables, table_snapshot

pytestmark = pytest.mark.django_db

EDGE_TIMES = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "1970-01-01T00:00:00+14:00",  # 1969 in UTC
    "1836-10-18T06:31:04Z",
    "2999-12-31T23:59:59-23:59",
]


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_an_entry_at_an_edge_time_is_a_400_naming_occurred_at(
    as_owner: Any, incident: Incident, when: str
) -> None:
    before = table_snapshot()

    response = as_owner.post(
        f"/api/v1/incidents/{incident.pk}/timeline/", {"body": "x", "occurred_at": when}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "occurred_at" in response.json()
    assert changed_tables(before, table_snapshot()) == []


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_an_incident_starting_at_an_edge_time_is_a_400_naming_started_at(as_owner: Any, when: str) -> None:
    before = table_snapshot()

    response = as_owner.post(
        "/api/v1/incidents/", {"title": "Edge", "severity": "SEV3", "started_at": when}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "started_at" in response.json()
    assert changed_tables(before, table_snapshot()) == []
