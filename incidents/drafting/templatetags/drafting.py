from __future__ import annotations

from typing import Any

from django import template

from incidents.drafting.panel import SectionPanel, section_panel

register = template.Library()


@register.simple_tag
def drafting_panel(user: Any, postmortem: Any, section_key: str) -> SectionPanel | None:
    """Return the AI-drafting panel of a postmortem section (None where a model does not draft)."""
    return section_panel(user=user, postmortem=postmortem, section_key=section_key)
