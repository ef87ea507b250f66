from __future__ import annotations

from typing import Any

from django import template

from incidents import selectors
from incidents.broadcasts.services import following_channels
from incidents.models import Service
from timeline.actors import Actor

register = template.Library()


@register.simple_tag
def visible_service(user: Actor, name: str | None) -> Service | None:
    """Return the service called `name` if the user may know of it (else None: nothing to follow)."""
    if not name:
        return None
    return selectors.services_visible_to(user).filter(name__iexact=name.strip()).first()


@register.simple_tag
def follow_channels(user: Actor, incident: Any = None, service_name: str = "") -> list[str]:
    """Return the channels on which `user` follows the incident (or the service named)."""
    if incident is not None:
        return following_channels(user=user, incident=incident)
    service = Service.objects.filter(name__iexact=service_name.strip()).first() if service_name else None
    return following_channels(user=user, service=service) if service is not None else []
