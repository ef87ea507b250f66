# ruff: noqa: S608 — identifiers come from model metadata through quote_name; values are parameters.
"""The audit trail (django-simple-history): the history manager shared by every model with history,
and the one-statement insert of a new row with its history row.

simple-history's descriptor builds its manager with `HistoryManager.from_queryset(...)` on every
access, and `from_queryset` creates a new class each time; recording one change reads it, so every
write paid for a class creation (about a tenth of adding a timeline entry). The class is the same
every time: make it once.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, ClassVar

from django.db import connection, models, transaction
from simple_history.manager import HistoryManager


class HistoryManagerMadeOnce(HistoryManager):  # type: ignore[misc]
    _made: ClassVar[dict[tuple[Any, ...], Any]] = {}

    @classmethod
    def from_queryset(cls, queryset_class: Any, class_name: str | None = None) -> Any:
        key = (cls, queryset_class, class_name)
        made = cls._made.get(key)
        if made is None:
            made = cls._made[key] = super().from_queryset(queryset_class, class_name)
        return made


def _history_columns(history_model: type[models.Model]) -> list[str]:
    """The history table's copies of the recorded model's columns (same names), in field order."""
    return [
        str(field.column)
        for field in history_model._meta.concrete_fields
        if not field.name.startswith("history_")
    ]


@cache
def _insert_sql(model: type[models.Model]) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    quote = connection.ops.quote_name
    meta = model._meta
    history_model = model.history.model  # type: ignore[attr-defined]
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    copied = _history_columns(history_model)
    history_fields = {field.name: field for field in history_model._meta.concrete_fields}
    # Columns by name, never `*`: see incidents.lookups_sql._all_columns (prepared statements).
    sql = (
        f"WITH new AS (INSERT INTO {quote(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"RETURNING {', '.join(quote(column) for column in copied)}) "
        f"INSERT INTO {quote(history_model._meta.db_table)} "
        f"({', '.join(quote(column) for column in copied)}, "
        f"{quote(str(history_fields['history_date'].column))}, "
        f"{quote(str(history_fields['history_change_reason'].column))}, "
        f"{quote(str(history_fields['history_type'].column))}, "
        f"{quote(str(history_fields['history_user'].column))}) "
        f"SELECT {', '.join('new.' + quote(column) for column in copied)}, %s, NULL, '+', %s FROM new "
        f"RETURNING {quote(str(meta.pk.column))}"
    )
    return sql, fields


def insert_with_history(instance: models.Model, *, history_user: Any, history_date: datetime) -> None:
    """INSERT a new row and its audit-trail row ("+", by `history_user`) in one statement.

    What `instance.save()` does for a model with `HistoricalRecords`, in one round trip instead of
    four (BEGIN, the row, its history, COMMIT): adding a timeline entry is the write responders make
    most, in the middle of an incident. One statement is atomic by itself, and inside a caller's
    transaction it is part of it. The columns come from the models' metadata, so a field added to
    the model is written by both. Model signals are not sent: `tests/timeline/test_history_insert.py`
    checks that nothing but simple-history listens to them, and that the rows match `save()`'s.
    On SQLite, which has no INSERT inside WITH, it is `save()` in a transaction.
    """
    if connection.vendor != "postgresql":  # SQLite's WITH cannot hold an INSERT: save() it
        instance._history_user = history_user  # type: ignore[attr-defined]
        instance._history_date = history_date  # type: ignore[attr-defined]
        with transaction.atomic():
            instance.save()
        return
    sql, fields = _insert_sql(type(instance))
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    user_id = history_user.pk if history_user is not None else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, history_date, user_id])
        (pk,) = cursor.fetchone()
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
