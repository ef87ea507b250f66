"""Writes for single sign-on: the user a provider account signs in as, and the role it carries."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import Role
from incidents.sso.conf import claim_values, role_for
from incidents.sso.models import OidcIdentity

USERNAME_MAX = 150


def _text(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _free_username(claims: dict[str, Any]) -> str:
    """A username from the claims that no one has yet: preferred_username, else the email's local part."""
    wanted = _text(claims, "preferred_username", USERNAME_MAX) or _text(claims, "email", 254).split("@")[0]
    base = re.sub(r"[^\w.@+-]", "", wanted)[: USERNAME_MAX - 8] or "user"
    users = get_user_model().objects
    candidate, n = base, 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    first, last = _text(claims, "given_name", 150), _text(claims, "family_name", 150)
    if not first and not last:
        first, _, last = _text(claims, "name", 301).partition(" ")
    return first[:150], last[:150]


@transaction.atomic
def oidc_sign_in(*, issuer: str, claims: dict[str, Any]) -> Any:
    """Find (by issuer and `sub`) or create the user a provider account signs in as; apply its role.

    Runs on every sign-in: name and email follow the provider, and the role is recomputed from the
    role claim, so a demotion at the provider takes effect at the next sign-in. An existing local
    account with the same email is never taken over: matching is by `sub` only.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise ValidationError({"sub": "The provider sent no usable subject (sub) claim."})
    if not issuer or len(issuer) > 255:
        raise ValidationError({"issuer": "No usable issuer."})
    groups = claim_values(claims)
    role = role_for(groups)
    # An address the provider says it has not verified is not used (reminders go to it).
    email = _text(claims, "email", 254) if claims.get("email_verified") is not False else ""
    first, last = _names(claims)
    identity = (
        OidcIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    user_model = get_user_model()
    if identity is None:
        user = user_model(username=_free_username(claims), email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
        identity = OidcIdentity(user=user, issuer=issuer, subject=subject)
    else:
        user = identity.user
        given = {"email": email, "first_name": first, "last_name": last}
        changed = [field for field, value in given.items() if value and getattr(user, field) != value]
        for field in changed:
            setattr(user, field, given[field])
        if changed:
            user.save(update_fields=changed)
    # Each sign-in is a row in the identity's history, by the user who signed in.
    identity._history_user = user  # type: ignore[attr-defined]  # simple-history's per-instance actor
    identity.role = role
    identity.claimed_groups = groups
    identity.last_sign_in_at = timezone.now()
    identity.save()
    _set_role(user, role)
    return user


def _set_role(user: Any, role: str) -> None:
    """Make `role` the user's only role group; other groups (teams) are left alone."""
    role_groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    wanted = role_groups.get(role) or Group.objects.get_or_create(name=role)[0]
    others = [group for name, group in role_groups.items() if name != role]
    if others:
        user.groups.remove(*others)
    user.groups.add(wanted)
    user.__dict__.pop("_hindsight_groups", None)
