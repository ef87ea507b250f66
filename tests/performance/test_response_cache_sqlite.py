"""On SQLite (`make test`, `make run`) there is no snapshot to key kept responses on: every request
renders (see incidents/response_cache.py and test_response_cache.py for PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from incidents import response_cache
from tests.factories import IncidentFactory

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


@pytest.mark.django_db(transaction=True)
def test_every_request_renders(client_for: Any, owner: Any) -> None:
    incident = IncidentFactory(title="Search latency", commander=owner, reporter=owner)
    client = client_for(owner)
    assert not response_cache.enabled()
    for _ in range(2):
        response = client.get(incident.get_absolute_url())
        assert response.status_code == 200
        assert response_cache.STATUS_HEADER not in response
        assert "Search latency" in response.content.decode()
