# ruff: noqa: S608 — identifiers come from model metadata through quote_name; values are parameters.
"""Single-row lookups every request makes, written once in SQL instead of compiled per request.

Each request first finds who is calling (an API token or a session's user, with the roles that
decide what they may do) and then, usually, one incident. Through the ORM each of those lookups
costs about 0.5 ms of query compilation for a 0.07 ms round trip to PostgreSQL, and an API request
made three of them before doing any work (bench/bench_http.py measured it). Here each is one
statement built once per process from the models' metadata (table and column names are never
typed by hand) and run through `Manager.raw()`, which still builds real model instances with the
database's value converters applied.

Only plain, portable SQL (PostgreSQL and SQLite): EXISTS subqueries and equality on indexed keys.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model

from incidents.choices import Role
from incidents.models import ApiToken, Incident, Service
from incidents.permissions import remember_roles

M = TypeVar("M", bound=Model)


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    assert column is not None
    return _q(column)


@cache
def _user_sql() -> str:
    User = get_user_model()
    through = User.groups.through  # type: ignore[attr-defined]
    member = (
        f"EXISTS (SELECT 1 FROM {_table(through)} m INNER JOIN {_table(Group)} g"
        f" ON g.{_column(Group, 'id')} = m.{_column(through, 'group')}"
        f" WHERE m.{_column(through, 'user')} = u.{_column(User, 'id')} AND g.{_column(Group, 'name')} = %s)"
    )
    return (
        f"SELECT u.*, {member} AS hs_admin_group, {member} AS hs_responder_group"
        f" FROM {_table(User)} u WHERE u.{_column(User, 'id')} = %s AND u.{_column(User, 'is_active')}"
    )


def _first(rows: Any) -> Any:
    return next(iter(rows), None)


def active_user_with_roles(pk: Any) -> Any:
    """Return the active user with this primary key, roles already known, or None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    user = _first(get_user_model()._default_manager.raw(_user_sql(), [Role.ADMIN, Role.RESPONDER, pk]))
    if user is not None:
        remember_roles(user, admin=bool(user.hs_admin_group), responder=bool(user.hs_responder_group))
    return user


@cache
def _token_sql() -> str:
    return (
        f"SELECT * FROM {_table(ApiToken)}"
        f" WHERE {_column(ApiToken, 'key_hash')} = %s AND {_column(ApiToken, 'revoked_at')} IS NULL"
    )


def usable_api_token(key_hash: str) -> ApiToken | None:
    """Return the unrevoked token with this hash, its active user (roles known) loaded, or None."""
    token = _first(ApiToken.objects.raw(_token_sql(), [key_hash]))
    if token is None:
        return None
    user = active_user_with_roles(token.user_id)
    if user is None:
        return None
    token.user = user
    return token


@cache
def _incident_sql(field: str) -> str:
    return f"SELECT * FROM {_table(Incident)} WHERE {_column(Incident, field)} = %s"


def incident_by_key(*, pk: int | None = None, reference: str | None = None) -> Incident | None:
    """Return the incident with this id or reference (no visibility check: callers make it)."""
    if pk is not None:
        return _first(Incident.objects.raw(_incident_sql("id"), [pk]))
    return _first(Incident.objects.raw(_incident_sql("reference"), [reference]))


@cache
def _people_sql() -> str:
    User = get_user_model()
    return f"SELECT * FROM {_table(User)} WHERE {_column(User, 'id')} IN (%s, %s)"


@cache
def _services_sql() -> str:
    through = Incident.services.through
    return (
        f"SELECT s.* FROM {_table(Service)} s INNER JOIN {_table(through)} m"
        f" ON m.{_column(through, 'service')} = s.{_column(Service, 'id')}"
        f" WHERE m.{_column(through, 'incident')} = %s ORDER BY s.{_column(Service, 'name')}"
    )


def load_incident_people_and_services(incident: Incident) -> None:
    """Load the commander, the reporter and the services of one incident: two queries, as
    `select_related` + `prefetch_related` would, without their compilation."""
    ids = [pk for pk in (incident.commander_id, incident.reporter_id) if pk is not None]
    if ids:
        people = {
            user.pk: user for user in get_user_model()._default_manager.raw(_people_sql(), [ids[0], ids[-1]])
        }
        if incident.commander_id is not None:
            incident.commander = people.get(incident.commander_id)
        if incident.reporter_id is not None:
            incident.reporter = people.get(incident.reporter_id)
    services = list(Service.objects.raw(_services_sql(), [incident.pk]))
    prefetched = incident.services.all()
    prefetched._result_cache = services  # type: ignore[attr-defined]
    prefetched._prefetch_done = True  # type: ignore[attr-defined]
    incident._prefetched_objects_cache = {  # type: ignore[attr-defined]
        **getattr(incident, "_prefetched_objects_cache", {}),
        "services": prefetched,
    }  # type: ignore[attr-defined]
