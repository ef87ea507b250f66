"""Who is acting: a signed-in user, or None for Hindsight itself; and how the audit trail learns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def actor_or_none(actor: Any) -> Any:
    """Return the acting user, or None for the system itself (and anonymous callers)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def set_history_user(instance: Any, actor: Any, *, at: datetime | None = None) -> None:
    """Tell django-simple-history who makes the next save of `instance` (and, given `at`, when).

    simple-history reads these private attributes when it writes the history row.
    """
    instance._history_user = actor_or_none(actor)
    if at is not None:
        instance._history_date = at
