"""`{% load insights %}`: what the incident pages include from insights (registered in TEMPLATES)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from incidents.insights import recurrence, repeats
from incidents.insights.hints import action_hints
from incidents.insights.links import incident_path
from incidents.models import Incident, RemediationAction

register = template.Library()


@register.simple_tag(takes_context=True)
def related_incidents_for(context: template.Context, incident: Incident) -> list[Incident]:
    """Return the incidents related to this one that the signed-in reader may see."""
    return recurrence.related_incidents(user=_user(context), incident=incident)


@register.simple_tag(takes_context=True)
def fixes_not_held_for(context: template.Context, incident: Incident) -> list[repeats.FixNotHeldView]:
    """Return the fixes that did not hold around this incident, as the signed-in reader may see them."""
    return repeats.fixes_not_held_for(user=_user(context), incident=incident)


# Set on each action by `prefetch_fix_outcomes`, so a list of items costs one pass, not one per item.
_OUTCOME_ATTRIBUTE = "_insights_fix_outcome"


def _user(context: template.Context) -> Any:
    return getattr(context.get("request"), "user", None)


@register.simple_tag(takes_context=True)
def prefetch_fix_outcomes(context: template.Context, actions: Iterable[RemediationAction]) -> str:
    """Work out "did the fix work?" for a list of items at once (renders nothing)."""
    items = list(actions)
    outcomes = recurrence.fix_outcomes(user=_user(context), actions=items)
    for action in items:
        setattr(action, _OUTCOME_ATTRIBUTE, outcomes.get(action.pk))
    return ""


@register.simple_tag(takes_context=True)
def fix_outcome_for(context: template.Context, action: RemediationAction) -> Any:
    """Return the "did the fix work?" outcome of a done prevent/mitigate item, or None."""
    if hasattr(action, _OUTCOME_ATTRIBUTE):
        return getattr(action, _OUTCOME_ATTRIBUTE)
    if not recurrence.is_fix(action):
        return None
    return recurrence.fix_outcome(user=_user(context), action=action)


@register.simple_tag
def action_hints_for(action: RemediationAction) -> list[str]:
    return action_hints(action)


@register.filter
def incident_url(reference: str) -> str:
    """Return the incident page of a reference (empty while the incident pages are not mounted)."""
    return incident_path(reference)
