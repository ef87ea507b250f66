from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.permissions import can_edit_incident
from timeline.bounds import too_early

MAX_TEXT = 100_000


def actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def require_edit(actor: Any, incident: Any) -> None:
    """Refuse the write unless the actor may edit the incident (None means the system itself)."""
    if actor is None:
        return
    if not can_edit_incident(actor, incident):
        raise PermissionDenied("You may not change this incident.")


def resolve_user(value: Any, *, field: str) -> Any:
    """Return the active user for a username (or a user), None for empty; else a field error."""
    if value in (None, ""):
        return None
    User = get_user_model()
    user: Any
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


def check_not_future(errors: dict[str, str], field: str, value: Any) -> None:
    """Refuse a time in the future, or one before anything Hindsight records (timeline.bounds)."""
    if value is not None and value > timezone.now() + timedelta(minutes=5):
        errors[field] = "This time is in the future."
    elif value is not None and too_early(value):
        errors[field] = str(too_early(value))


def set_history_user(instance: Any, actor: Any) -> None:
    instance._history_user = actor_or_none(actor)
