"""PostgreSQL connections (config/postgresql, settings): a kept connection is checked before each
request without a query, one whose server has gone away is replaced, and hot statements are
prepared once per connection."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.lookups_sql import incident_by_key
from tests.factories import IncidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's health check (CI runs it)"),
]


def server_pid() -> int:
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def terminate(pid: int) -> None:
    params: dict[str, Any] = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def wait_until_unusable(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not connection.is_usable():
            return True
        time.sleep(0.02)
    return False


def test_a_live_connection_is_usable_without_a_round_trip() -> None:
    pid = server_pid()
    started_before = last_statement_started(pid)

    with CaptureQueriesContext(connection) as queries:
        assert connection.is_usable() is True

    assert len(queries) == 0
    assert last_statement_started(pid) == started_before  # PostgreSQL saw no statement either


def test_a_terminated_connection_is_found_and_replaced_before_the_next_query() -> None:
    pid = server_pid()
    terminate(pid)  # what a PostgreSQL restart does to every connection

    assert wait_until_unusable() is True
    # What Django does at a request's first query with CONN_HEALTH_CHECKS:
    connection.health_check_enabled = True
    connection.health_check_done = False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert server_pid() != pid


def test_a_failed_transaction_is_not_usable() -> None:
    server_pid()
    raw = connection.connection
    raw.autocommit = False
    try:
        with pytest.raises(psycopg.errors.DivisionByZero):
            raw.execute("SELECT 1 / 0")
        assert connection.is_usable() is False
    finally:
        raw.rollback()
        raw.autocommit = True
    assert connection.is_usable() is True


def last_statement_started(pid: int) -> int:
    """When the backend `pid` last started a statement (microseconds), seen from a second
    connection: any query sent by the check would move it."""
    params: dict[str, Any] = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        row = other.execute(
            "SELECT extract(epoch FROM query_start) FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
    assert row is not None
    return int(row[0] * 1_000_000)


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_repeatedly_is_prepared_once() -> None:

    incident = IncidentFactory()
    connection.close()  # a fresh connection has prepared nothing
    for _ in range(6):
        assert incident_by_key(reference=incident.reference) == incident

    lookups = [sql for sql in prepared_statements() if "incidents_incident" in sql and "$1" in sql]
    assert len(lookups) == 1


def test_a_column_added_while_statements_are_prepared_breaks_nothing() -> None:
    """A migration run while workers serve: the prepared lookups name their columns, so a new
    column does not change their result (with `SELECT *` PostgreSQL refuses the cached plan)."""

    incident = IncidentFactory()
    for _ in range(6):
        incident_by_key(reference=incident.reference)
    params: dict[str, Any] = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as migrator:
        migrator.execute("ALTER TABLE incidents_incident ADD COLUMN hs_test_extra integer")
    try:
        assert incident_by_key(reference=incident.reference) == incident
    finally:
        with psycopg.connect(**params, autocommit=True) as migrator:
            migrator.execute("ALTER TABLE incidents_incident DROP COLUMN hs_test_extra")
    assert incident_by_key(reference=incident.reference) == incident
