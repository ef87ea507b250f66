from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.permissions import can_edit_incident, is_admin
from timeline.actors import Actor, actor_or_none, set_history_user
from timeline.bounds import moment_error

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "actor_or_none",
    "check_moment",
    "check_text",
    "require_edit",
    "resolve_user",
    "set_history_user",
]

MAX_TEXT = 100_000


def require_edit(actor: Actor, incident: Any) -> None:
    """Refuse the write unless the actor may edit the incident (None means the system itself)."""
    if actor is None:
        return
    if not can_edit_incident(actor, incident):
        raise PermissionDenied("You may not change this incident.")


def require_user(actor: Actor) -> User:
    """Return the signed-in user acting, or refuse: some writes are only ever someone's own."""
    user = actor_or_none(actor)
    if user is None:
        raise PermissionDenied("Sign in first.")
    return user


def require_admin(actor: Actor) -> None:
    """Refuse the write unless the actor is an admin (restoring what someone deleted)."""
    if not is_admin(actor):
        raise PermissionDenied("Only admins can restore deleted entries.")


def resolve_user(value: Any, *, field: str) -> Any:
    """Return the active user for a username (or a user), None for empty; else a field error."""
    if value in (None, ""):
        return None
    User = get_user_model()
    user: Actor
    if isinstance(value, User):
        user = value
    else:
        user = User.objects.filter(username=str(value).strip()).first()
        if user is None:
            raise ValidationError({field: f"No user called {value!r}."})
    if not user.is_active:
        raise ValidationError({field: f"{user.get_username()} is not an active user."})
    return user


def check_text(
    errors: dict[str, str], field: str, value: Any, *, required: bool, max_length: int = MAX_TEXT
) -> None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Must be text."
    elif required and not value.strip():
        errors[field] = "This field is required."
    elif len(value) > max_length:
        errors[field] = f"Keep this under {max_length} characters."


def check_moment(errors: dict[str, str], field: str, value: Any, *, what: str = "This time") -> None:
    """Accept None (meaning now or not yet), or a moment timeline.bounds accepts (aware, not in the
    future, not before 1970); otherwise add the error for `field`."""
    if value is not None and (error := moment_error(value, what=what)):
        errors[field] = error
