"""PostgreSQL connections (config/postgresql, settings): a kept connection is checked before each
request without a query, one whose server has gone away is replaced, and hot statements are
prepared once per connection."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.lookups_sql import incident_by_key
from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL connections and plans (CI runs them on PostgreSQL)",
    ),
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


def generic_plan(sql: str, params: Any) -> str:
    """The plan PostgreSQL makes for a statement prepared for any parameter values (what a kept
    connection runs from its sixth execution on), as text."""
    counter = itertools.count(1)
    numbered = re.sub(r"%s", lambda _: f"${next(counter)}", sql).replace("%%", "%")
    counter_values = ", ".join(_literal(value) for value in params)
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE hs_generic AS {numbered}")
        try:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute(f"EXPLAIN EXECUTE hs_generic({counter_values})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("DEALLOCATE hs_generic")


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    assert isinstance(value, int), value
    return str(int(value))


def test_prepared_timeline_reads_walk_the_index_whatever_the_incidents_length(owner: Any) -> None:
    """Most incidents have a few entries and one may have thousands: the plans PostgreSQL prepares
    for any incident (generic plans) of the incident page's window and of the API's page read the
    live-entries index in order and stop after the page, never sorting the timeline. (The join to
    authors these reads used to make gave a generic plan that sorted all 10,000 entries of the
    benchmark's long incident; that depended on its statistics and is not reproduced here.)"""
    from incidents.lookups_sql import _timeline_page_sql
    from timeline.models import TimelineEvent
    from timeline.selectors import newest_first

    long = IncidentFactory()
    TimelineEvent.objects.bulk_create(
        (TimelineEvent(incident=long, author=owner, body=f"Entry {n}") for n in range(3000)), batch_size=1000
    )
    others = Incident.objects.bulk_create(
        Incident(
            number=10_000 + n,
            reference=f"INC-{10_000 + n}",
            title="Short",
            started_at=long.started_at,
            detected_at=long.detected_at,
        )
        for n in range(300)
    )
    TimelineEvent.objects.bulk_create(
        (TimelineEvent(incident=other, author=owner, body="Short") for other in others for _ in range(5)),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timeline_timelineevent")

    sql, params = newest_first(incident=long)[:51].query.sql_with_params()
    for plan in (generic_plan(sql, params), generic_plan(_timeline_page_sql(), [long.pk, long.pk, 21, 0])):
        assert "timeline_live_chronological" in plan, plan
        assert "Sort" not in plan, plan


def test_the_prepared_list_plan_never_reads_everything_a_user_wrote(owner: Any, outsider: Any) -> None:
    """The visibility rule's lookups apply to private incidents only; written as the bare column
    (not `private = true`, which prepared statements turn into a parameter) the plan prepared for
    any user probes them per private row instead of hashing every entry the user ever wrote."""
    from incidents.selectors import incident_list
    from timeline.models import TimelineEvent

    busy = IncidentFactory(commander=owner)
    TimelineEvent.objects.bulk_create(
        (TimelineEvent(incident=busy, author=outsider, body=f"Entry {n}") for n in range(3000)),
        batch_size=1000,
    )
    for n in range(5):
        IncidentFactory(private=n % 2 == 0, commander=owner)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timeline_timelineevent")
        cursor.execute("ANALYZE incidents_incident")

    sql, params = incident_list(user=outsider, related=False)[:20].query.sql_with_params()
    plan = generic_plan(sql, params)

    assert "hashed SubPlan" not in plan, plan
