from __future__ import annotations

import secrets
import zoneinfo
from datetime import time
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import ApiToken, Profile
from incidents.services.common import require_user
from timeline.actors import Actor


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def profile_for(user: Actor) -> Profile:
    """Return the user's profile, creating it with defaults the first time."""
    profile, _ = Profile.objects.get_or_create(user=require_user(user))
    return profile


@transaction.atomic
def profile_update(*, user: Actor, data: dict[str, Any]) -> Profile:
    """Change the caller's own settings: timezone, quiet hours, quiet weekends."""
    profile = profile_for(user)
    allowed = {"timezone", "quiet_hours_start", "quiet_hours_end", "quiet_weekends"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    errors: dict[str, str] = {}
    if "timezone" in data and data["timezone"] not in _timezones():
        errors["timezone"] = f"Unknown timezone {data['timezone']!r}; use a name like Europe/Paris."
    for field in ("quiet_hours_start", "quiet_hours_end"):
        if field in data and data[field] is not None and not isinstance(data[field], time):
            errors[field] = "Give a time like 20:00, or nothing."
    start = data.get("quiet_hours_start", profile.quiet_hours_start)
    end = data.get("quiet_hours_end", profile.quiet_hours_end)
    if not errors and (start is None) != (end is None):
        errors["quiet_hours_end" if end is None else "quiet_hours_start"] = (
            "Give both ends of the quiet hours, or neither."
        )
    if errors:
        raise ValidationError(errors)
    for field, value in data.items():
        setattr(profile, field, bool(value) if field == "quiet_weekends" else value)
    profile.save()
    return profile


@transaction.atomic
def api_token_create(*, user: Actor, name: str, is_integration: bool = False) -> tuple[ApiToken, str]:
    """Create a named token; return it with its key, which is shown this once and never stored."""
    clean = (name or "").strip()
    if not clean:
        raise ValidationError({"name": "Name the token (what will use it?)."})
    if len(clean) > 100:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=require_user(user),
        name=clean,
        prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
        is_integration=is_integration,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def calendar_token_reset(*, user: Actor, revoke: bool = False) -> Profile:
    """Give the user a new secret calendar-feed URL (or none, to revoke it)."""
    profile = profile_for(user)
    profile.calendar_token = "" if revoke else secrets.token_urlsafe(32)
    profile.save(update_fields=["calendar_token"])
    return profile
