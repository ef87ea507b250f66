"""A picture of every table, to assert that a rejected request changed nothing.

Covers every concrete model Django knows (new ones included), row by row. Columns that record
that a request happened rather than what it changed (a token's last use, a sign-in, a session,
a rate-limit counter) are left out: reading is allowed to touch them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

# Bookkeeping any authenticated request may update.
VOLATILE_FIELDS = {"last_used_at", "last_login", "last_seen_at"}
VOLATILE_MODELS = {"sessions.session", "admin.logentry"}


def table_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Return {model label: sorted rows} for every table, minus request bookkeeping."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.proxy or not model._meta.managed or label in VOLATILE_MODELS:
            continue
        columns = [
            field.attname for field in model._meta.concrete_fields if field.name not in VOLATILE_FIELDS
        ]
        manager = getattr(model, "all_objects", None) or model._base_manager
        rows = manager.order_by("pk").values_list(*columns)
        snapshot[label] = [tuple(repr(value) for value in row) for row in rows]
    return snapshot


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """Return the labels of the tables whose rows differ between two snapshots."""
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
