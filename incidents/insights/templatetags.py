"""`{% load insights %}`: what the incident pages include from insights (registered in TEMPLATES)."""

from __future__ import annotations

from typing import Any

from django import template

from incidents.insights import recurrence
from incidents.insights.hints import action_hints
from incidents.insights.links import incident_path
from incidents.models import Incident, RemediationAction

register = template.Library()


@register.simple_tag(takes_context=True)
def related_incidents_for(context: template.Context, incident: Incident) -> list[Incident]:
    """Return the incidents related to this one that the signed-in reader may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return recurrence.related_incidents(user=user, incident=incident)


@register.simple_tag(takes_context=True)
def fix_outcome_for(context: template.Context, action: RemediationAction) -> Any:
    """Return the "did the fix work?" outcome of a done prevent/mitigate item, or None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return recurrence.fix_outcome(user=user, action=action)


@register.simple_tag
def action_hints_for(action: RemediationAction) -> list[str]:
    return action_hints(action)


@register.filter
def incident_url(reference: str) -> str:
    """Return the incident page of a reference (empty while the incident pages are not mounted)."""
    return incident_path(reference)
