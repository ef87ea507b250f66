"""Incident roles beyond the commander (communications lead, scribe, what an admin adds): who
holds them, the system entry for each change, and a word to the person named."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.jobs import job_enqueue
from incidents.models import Incident, IncidentRole, IncidentRoleKind
from incidents.services.common import actor_or_none, resolve_user, set_history_user
from timeline.actors import Actor
from timeline.choices import EventKind
from timeline.services import system_event_add


def notify_named(incident: Incident, actor: Actor, user: Actor, *, role: str, role_name: str) -> None:
    """Tell someone named to a role in the incident (not when they named themselves)."""
    if user is None or user.pk == getattr(actor_or_none(actor), "pk", None):
        return
    named_by = actor_or_none(actor)
    job_enqueue(
        name="reminders.role_assigned",
        kwargs={
            "incident_id": incident.pk,
            "user_id": user.pk,
            "role": role,
            "role_name": role_name,
            "named_at": timezone.now().strftime("%Y%m%dT%H%M%S%f"),
            "named_by": named_by.get_full_name() or named_by.get_username() if named_by else "",
        },
        incident_id=incident.pk,
        actor=actor,
    )


def resolve_roles(errors: dict[str, str], roles: Any) -> dict[IncidentRoleKind, Any]:
    """Return {role kind: user or None} for `{"scribe": "maya", "communications_lead": null}`."""
    if not isinstance(roles, dict):
        errors["roles"] = 'Give roles as an object: {"scribe": "<username>"} (null for nobody).'
        return {}
    kinds = {kind.key: kind for kind in IncidentRoleKind.objects.filter(key__in=[str(k) for k in roles])}
    resolved: dict[IncidentRoleKind, Any] = {}
    for key, value in roles.items():
        kind = kinds.get(str(key))
        if kind is None or (not kind.active and value not in (None, "")):
            known = ", ".join(IncidentRoleKind.objects.active().values_list("key", flat=True))
            errors["roles"] = f"No role called {key!r}. Roles: {known or 'none'} (and commander)."
            return {}
        if value not in (None, "") and not isinstance(value, str) and not hasattr(value, "pk"):
            errors["roles"] = f"Give the {kind.name.lower()} as a username, or null for nobody."
            return {}
        try:
            resolved[kind] = resolve_user(value, field="roles")
        except ValidationError as error:
            errors["roles"] = " ".join(error.message_dict.get("roles", error.messages))
            return {}
    return resolved


def apply_roles(incident: Incident, actor: Actor, roles: dict[IncidentRoleKind, Any]) -> None:
    """Write each changed role holder, with its system entry and a word to the person named."""
    current = {
        role.kind_id: role for role in IncidentRole.objects.filter(incident=incident).select_related("user")
    }
    for kind, user in roles.items():
        held = current.get(kind.pk)
        before = held.user if held is not None else None
        if before == user:
            continue
        if user is None:
            assert held is not None
            set_history_user(held, actor)
            held.delete()
        elif held is None:
            role = IncidentRole(incident=incident, kind=kind, user=user, assigned_at=timezone.now())
            set_history_user(role, actor)
            role.save()
        else:
            held.user = user
            held.assigned_at = timezone.now()
            set_history_user(held, actor)
            held.save(update_fields=["user", "assigned_at"])
        if user is not None:
            # A role holder can always see the incident they hold a role in, private or not.
            incident.participants.add(user)
        system_event_add(
            incident=incident,
            actor=actor,
            kind=EventKind.ROLE_CHANGE,
            body=(
                f"{kind.name} changed from {before.get_username() if before else 'nobody'} "
                f"to {user.get_username() if user else 'nobody'}."
            ),
        )
        notify_named(incident, actor, user, role=kind.key, role_name=kind.name)
