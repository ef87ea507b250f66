"""Template tags that let incident pages show postmortem panels without `incidents` importing us."""

from __future__ import annotations

from typing import Any

from django import template

from incidents.models import Incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.selectors import postmortem_for, postmortems_due

register = template.Library()

DASHBOARD_LIMIT = 10


@register.simple_tag
def postmortem_of(incident: Incident) -> Postmortem | None:
    """Return the incident's postmortem (the page has already checked the incident is visible)."""
    return postmortem_for(incident=incident)


@register.simple_tag(takes_context=True)
def postmortems_due_for_reader(context: template.Context) -> list[Postmortem]:
    """Return the unpublished postmortems the signed-in reader may see, soonest due first."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    return list(postmortems_due(user=user)[:DASHBOARD_LIMIT])
