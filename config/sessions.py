# ruff: noqa: S608 — identifiers come from model metadata through quote_name; values are parameters.
"""Database sessions (Django's `db` engine), with the one read every signed-in page makes written in
SQL once instead of compiled per request (see incidents/lookups_sql.py for why)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone


@cache
def _session_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(Session._meta.db_table)
    key = quote(str(Session._meta.get_field("session_key").column))
    expires = quote(str(Session._meta.get_field("expire_date").column))
    # Columns by name, not `*`: see incidents.lookups_sql._all_columns (prepared statements).
    columns = ", ".join(quote(str(field.column)) for field in Session._meta.concrete_fields)
    return f"SELECT {columns} FROM {table} WHERE {key} = %s AND {expires} > %s"


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        session = next(iter(Session.objects.raw(_session_sql(), [self.session_key, timezone.now()])), None)
        if session is None:
            self._session_key = None
        return session
