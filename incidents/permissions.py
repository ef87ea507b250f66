"""Who may do what. Roles are the Django groups `viewer`, `responder` and `admin`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incidents.choices import Role
from timeline.actors import Actor

if TYPE_CHECKING:
    from incidents.models import Incident


def _group_names(user: Actor) -> set[str]:
    # Cached on the user object: templates ask several times per page.
    if user is None or not user.is_authenticated:
        return set()
    cached: set[str] | None = getattr(user, "_hindsight_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._hindsight_groups = cached  # type: ignore[attr-defined]  # a per-request cache on the object
    return cached


def is_admin(user: Actor) -> bool:
    """Return True for members of `admin` and for superusers."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or Role.ADMIN in _group_names(user)


def is_responder(user: Actor) -> bool:
    """Return True for those who may create and edit incidents (responders and admins)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user) or Role.RESPONDER in _group_names(user)


def role_of(user: Actor) -> str | None:
    """Return the user's effective role; a signed-in user with no group is a viewer."""
    if not user or not user.is_authenticated:
        return None
    if is_admin(user):
        return Role.ADMIN
    if is_responder(user):
        return Role.RESPONDER
    return Role.VIEWER


def can_view_incident(user: Actor, incident: Incident) -> bool:
    """Return True if the user may see the incident (`Incident.objects.visible_to`'s rule)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if getattr(incident, "visible_to_user_id", None) == user.pk:
        return True  # read through the rule for this user already (selectors.incident_get)
    return type(incident).objects.visible_to(user).filter(pk=incident.pk).exists()


def can_edit_incident(user: Actor, incident: Incident) -> bool:
    return is_responder(user) and can_view_incident(user, incident)
