"""Who is acting: a signed-in user, or None for Hindsight itself; and how the audit trail learns it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.contrib.auth.base_user import AbstractBaseUser

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Who acts or reads: a user, the anonymous user, or None for Hindsight itself.
Actor: TypeAlias = "User | AnonymousUser | None"


def actor_or_none(actor: Actor) -> User | None:
    """Return the acting user, or None for the system itself (and anonymous callers)."""
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
        return cast("User", actor)
    return None


def set_history_user(instance: Any, actor: Actor, *, at: datetime | None = None) -> None:
    """Tell django-simple-history who makes the next save of `instance` (and, given `at`, when).

    simple-history reads these private attributes when it writes the history row.
    """
    instance._history_user = actor_or_none(actor)
    if at is not None:
        instance._history_date = at
