from __future__ import annotations

from typing import Any

from django import template

from incidents.taxonomy.selectors import classification_for, shown_values, type_choices

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_classification(context: template.Context, incident: Any) -> dict[str, Any] | None:
    """The incident's type and values for the incident page (nothing for those who cannot see it)."""
    request = context.get("request")
    if request is None or incident is None:
        return None
    classification = classification_for(user=request.user, incident=incident)
    if classification is None:
        return None
    return {"type": classification.incident_type, "values": shown_values(classification)}


@register.simple_tag
def incident_types() -> list[Any]:
    """The active incident types, for the incident list's type filter."""
    return type_choices()
