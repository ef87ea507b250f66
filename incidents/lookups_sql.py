# ruff: noqa: S608 — identifiers come from model metadata through quote_name; values are parameters.
"""Single-row lookups every request makes, written once in SQL instead of compiled per request.

Each request first finds who is calling (an API token or a session's user, with the roles that
decide what they may do) and then, usually, one incident. Through the ORM each of those lookups
costs about 0.5 ms of query compilation for a 0.07 ms round trip to PostgreSQL, and an API request
made three of them before doing any work (bench/bench_http.py measured it). Here each is one
statement built once per process from the models' metadata (table and column names are never
typed by hand), run on a plain cursor, and turned into real model instances with `Model.from_db`
and the database's value converters, as a queryset does (`Manager.raw()` did the same at twice
the cost: it inspects the result's columns on every query).

Only plain, portable SQL (PostgreSQL and SQLite): EXISTS subqueries and equality on indexed keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model

from incidents.choices import Role
from incidents.models import PUBLIC_INCIDENTS_COUNTER, ApiToken, Counter, Incident, Profile, Service
from incidents.permissions import remember_roles
from timeline.models import TimelineEvent

M = TypeVar("M", bound=Model)

ROLE_GROUPS = (Role.ADMIN, Role.RESPONDER)
# The largest value a bigint primary key holds: larger ids cannot exist (the API refuses them too).
MAX_ID = 2**63 - 1


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    assert column is not None
    return _q(column)


def _all_columns(model: type[Model], alias: str = "") -> str:
    """Every concrete column by name, never `*`: a prepared statement's result may not change shape,
    so a column added by a migration while workers run must not change what these statements
    return (PostgreSQL would refuse them with "cached plan must not change result type")."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{_q(str(field.column))}" for field in model._meta.concrete_fields)


def _user_select() -> str:
    """`SELECT` the user, whether they are in the admin and responder groups, and their timezone."""
    User = get_user_model()
    through = User.groups.through  # type: ignore[attr-defined]
    member = (
        f"EXISTS (SELECT 1 FROM {_table(through)} m INNER JOIN {_table(Group)} g"
        f" ON g.{_column(Group, 'id')} = m.{_column(through, 'group')}"
        f" WHERE m.{_column(through, 'user')} = u.{_column(User, 'id')} AND g.{_column(Group, 'name')} = %s)"
    )
    return (
        f"SELECT {_all_columns(User, 'u')}, {member} AS hs_admin_group, {member} AS hs_responder_group,"
        f" p.{_column(Profile, 'timezone')} AS hs_timezone"
    )


def _user_joins() -> str:
    User = get_user_model()
    return (
        f" LEFT JOIN {_table(Profile)} p ON p.{_column(Profile, 'user')} = u.{_column(User, 'id')}"
        f" WHERE u.{_column(User, 'is_active')}"
    )


@cache
def _user_sql() -> str:
    User = get_user_model()
    return f"{_user_select()} FROM {_table(User)} u{_user_joins()} AND u.{_column(User, 'id')} = %s"


@cache
def _converters(model: type[Model]) -> tuple[tuple[str, ...], tuple[tuple[int, Any, Any], ...]]:
    """The model's column attnames in `_all_columns` order, and the converters the ORM applies to
    values read from them (per column index; none for most columns on PostgreSQL)."""
    fields = model._meta.concrete_fields
    steps = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        for converter in [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]:
            steps.append((index, converter, column))
    return tuple(field.attname for field in fields), tuple(steps)


def _instance(model: type[M], values: Sequence[Any]) -> M:
    """Build a model instance from its `_all_columns` values as a queryset would (converters,
    `from_db`), without RawQuerySet's per-query column inspection: half the cost of a lookup."""
    attnames, steps = _converters(model)
    if steps:
        values = list(values)
        for index, converter, column in steps:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, attnames, values)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _first_row(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def _user_from_row(row: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """The user in a `_user_select()` row, with roles remembered and `hs_timezone` set, and the
    columns that follow the user's and its three extras, for the caller."""
    User = get_user_model()
    width = len(User._meta.concrete_fields)
    user = _instance(User, row[:width])
    admin, responder, timezone_name = row[width : width + 3]
    user.hs_timezone = timezone_name  # type: ignore[attr-defined]  # read by UserTimezoneMiddleware
    remember_roles(user, admin=bool(admin), responder=bool(responder))
    return user, row[width + 3 :]


def active_user_with_roles(pk: Any) -> Any:
    """Return the active user with this primary key, roles and timezone already known, or None.

    `hs_timezone` is their profile's timezone (None without a profile), for UserTimezoneMiddleware.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk <= MAX_ID:
        return None
    row = _first_row(_user_sql(), [*ROLE_GROUPS, pk])
    return _user_from_row(row)[0] if row is not None else None


@cache
def _token_sql() -> str:
    User = get_user_model()
    return (
        f"{_user_select()}, {_all_columns(ApiToken, 't')} FROM {_table(ApiToken)} t"
        f" INNER JOIN {_table(User)} u ON u.{_column(User, 'id')} = t.{_column(ApiToken, 'user')}"
        f"{_user_joins()} AND t.{_column(ApiToken, 'key_hash')} = %s"
        f" AND t.{_column(ApiToken, 'revoked_at')} IS NULL"
    )


def usable_api_token(key_hash: str) -> ApiToken | None:
    """Return the unrevoked token with this hash with its active user (roles known), or None.

    One statement reads both: the user as a model, the token's columns alongside.
    """
    row = _first_row(_token_sql(), [*ROLE_GROUPS, key_hash])
    if row is None:
        return None
    user, token_columns = _user_from_row(row)
    token = _instance(ApiToken, token_columns)
    token.user = user
    return token


@cache
def _incident_sql(field: str) -> str:
    return f"SELECT {_all_columns(Incident)} FROM {_table(Incident)} WHERE {_column(Incident, field)} = %s"


def incident_by_key(*, pk: int | None = None, reference: str | None = None) -> Incident | None:
    """Return the incident with this id or reference (no visibility check: callers make it)."""
    field, value = ("id", pk) if pk is not None else ("reference", reference)
    row = _first_row(_incident_sql(field), [value])
    return _instance(Incident, row) if row is not None else None


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def load_incidents_people_and_services(incidents: list[Incident]) -> None:
    """Load the commander, reporter, services (and original, for duplicates) of each incident.

    Two statements for any number of incidents, as `select_related` + `prefetch_related` would,
    without their compilation and without reading every user column through a join for each row.
    """
    if not incidents:
        return
    User = get_user_model()
    ids = sorted({pk for incident in incidents for pk in (incident.commander_id, incident.reporter_id) if pk})
    people: dict[Any, Any] = {}
    if ids:
        sql = (
            f"SELECT {_all_columns(User)} FROM {_table(User)}"
            f" WHERE {_column(User, 'id')} IN ({_placeholders(len(ids))})"
        )
        people = {user.pk: user for user in (_instance(User, row) for row in _fetch(sql, ids))}
    through = Incident.services.through
    sql = (
        f"SELECT {_all_columns(Service, 's')}, m.{_column(through, 'incident')} AS hs_incident_id"
        f" FROM {_table(Service)} s"
        f" INNER JOIN {_table(through)} m ON m.{_column(through, 'service')} = s.{_column(Service, 'id')}"
        f" WHERE m.{_column(through, 'incident')} IN ({_placeholders(len(incidents))})"
        f" ORDER BY s.{_column(Service, 'name')}"
    )
    services: dict[Any, list[Service]] = {incident.pk: [] for incident in incidents}
    for row in _fetch(sql, [incident.pk for incident in incidents]):
        services[row[-1]].append(_instance(Service, row[:-1]))
    # Duplicates name their original (rare: usually no query at all).
    original_ids = sorted({incident.duplicate_of_id for incident in incidents if incident.duplicate_of_id})
    originals: dict[Any, Incident] = {}
    if original_ids:
        where = f"{_column(Incident, 'id')} IN ({_placeholders(len(original_ids))})"
        sql = f"SELECT {_all_columns(Incident)} FROM {_table(Incident)} WHERE {where}"
        originals = {
            original.pk: original
            for original in (_instance(Incident, row) for row in _fetch(sql, original_ids))
        }
    for incident in incidents:
        if incident.duplicate_of_id is not None and incident.duplicate_of_id in originals:
            incident.duplicate_of = originals[incident.duplicate_of_id]
        if incident.commander_id is not None:
            incident.commander = people.get(incident.commander_id)
        if incident.reporter_id is not None:
            incident.reporter = people.get(incident.reporter_id)
        prefetched = incident.services.all()
        prefetched._result_cache = services[incident.pk]  # type: ignore[attr-defined]
        prefetched._prefetch_done = True  # type: ignore[attr-defined]
        incident._prefetched_objects_cache = {  # type: ignore[attr-defined]
            **getattr(incident, "_prefetched_objects_cache", {}),
            "services": prefetched,
        }


def load_incident_people_and_services(incident: Incident) -> None:
    """The same for one incident."""
    load_incidents_people_and_services([incident])


@cache
def _timeline_page_sql() -> str:
    User = get_user_model()
    table = _table(TimelineEvent)
    incident, deleted = _column(TimelineEvent, "incident"), _column(TimelineEvent, "deleted_at")
    order = ", ".join(f"e.{_column(TimelineEvent, name)}" for name in ("occurred_at", "recorded_at", "id"))
    # The author's name by a subquery per entry read, not a join: with a join, the plan PostgreSQL
    # prepares for every incident hashed and sorted all of a long timeline to return one page.
    author = (
        f"(SELECT u.{_column(User, User.USERNAME_FIELD)} FROM {_table(User)} u"
        f" WHERE u.{_column(User, 'id')} = e.{_column(TimelineEvent, 'author')})"
    )
    return (
        f"SELECT {_all_columns(TimelineEvent, 'e')}, {author},"
        f" (SELECT COUNT(*) FROM {table} WHERE {incident} = %s AND {deleted} IS NULL)"
        f" FROM {table} e WHERE e.{incident} = %s AND e.{deleted} IS NULL ORDER BY {order} LIMIT %s OFFSET %s"
    )


class LiveTimeline:
    """An incident's live entries in timeline order (`timeline_for_incident`), sliced for a page:
    each slice is one statement that also counts the entries (a subquery run once, from the
    index of live entries) and brings each author's username as `author_username` instead of a
    whole user. Through the ORM a page took three statements' compilation and twenty users.

    Paginators use it like a queryset: `count()` and slicing.
    """

    def __init__(self, incident: Incident) -> None:
        self.incident = incident
        self.total: int | None = None

    def count(self) -> int:
        if self.total is None:
            self.total = TimelineEvent.objects.filter(incident=self.incident).count()
        return self.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[TimelineEvent]:
        if window.stop is None or window.step is not None:
            raise TypeError("LiveTimeline is read a page at a time: slice it as [start:stop].")
        start, stop = window.start or 0, window.stop
        if stop <= start:
            return []
        pk = self.incident.pk
        width = len(TimelineEvent._meta.concrete_fields)
        events = []
        for row in _fetch(_timeline_page_sql(), [pk, pk, stop - start, start]):
            event = _instance(TimelineEvent, row[:width])
            event.author_username = row[width]  # type: ignore[attr-defined]
            event.incident = self.incident
            self.total = int(row[width + 1])
            events.append(event)
        return events


@cache
def _visible_count_sql() -> str:
    User = get_user_model()
    incident, participants = _table(Incident), _table(User.participating_incidents.through)  # type: ignore[attr-defined]
    through_incident = _column(User.participating_incidents.through, "incident")  # type: ignore[attr-defined]
    through_user = _column(User.participating_incidents.through, "user")  # type: ignore[attr-defined]
    events, author = _table(TimelineEvent), _column(TimelineEvent, "author")
    event_incident = _column(TimelineEvent, "incident")
    # The incidents the user wrote in, one index probe each (a "loose index scan" of
    # timeline_author_incident): how many entries they wrote does not matter, only in how many
    # incidents. Counting through their entries grew slower with each entry they added.
    wrote_in = (
        f"WITH RECURSIVE wrote(incident_id) AS ("
        f" SELECT MIN({event_incident}) FROM {events} WHERE {author} = %s"
        f" UNION ALL SELECT (SELECT MIN(e.{event_incident}) FROM {events} e"
        f" WHERE e.{author} = %s AND e.{event_incident} > w.incident_id)"
        f" FROM wrote w WHERE w.incident_id IS NOT NULL)"
    )
    counter, pk = _table(Counter), _column(Incident, "id")
    return (
        f"{wrote_in} SELECT"
        f" (SELECT {_column(Counter, 'value')} FROM {counter} WHERE {_column(Counter, 'name')} = %s),"
        f" (SELECT COUNT(*) FROM {incident} i WHERE i.{_column(Incident, 'private')}"
        f" AND (i.{_column(Incident, 'commander')} = %s OR i.{_column(Incident, 'reporter')} = %s"
        f" OR i.{pk} IN (SELECT {through_incident} FROM {participants} WHERE {through_user} = %s)"
        f" OR i.{pk} IN (SELECT incident_id FROM wrote WHERE incident_id IS NOT NULL)))"
    )


def visible_incident_count(user_pk: int) -> tuple[int | None, int]:
    """Return the kept number of public incidents (None if the row is missing) and the number of
    private incidents the (non-admin) user may see: those they command, reported, were added to
    or wrote in — `visible_incidents_q`'s rule for private incidents. One statement: the private
    ones are read from the `incident_private_people` index, whatever the user has written."""
    row = _first_row(_visible_count_sql(), [user_pk, user_pk, PUBLIC_INCIDENTS_COUNTER, *[user_pk] * 3])
    assert row is not None
    public, private = row
    return (int(public) if public is not None else None), int(private)
