"""Where other apps give an incident's postmortem its own template (incidents.taxonomy: one per type).

A provider takes the incident and returns its template's sections in order, or None to leave it
to the next provider and, in the end, to the default template (`SectionTemplate`). The first
answer wins. Providers are appended from the other app's `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from incidents.models import Incident


@dataclass(frozen=True)
class TemplateSection:
    key: str
    title: str
    prompt: str = ""
    required: bool = False  # must say something before the postmortem goes to review


TEMPLATE_PROVIDERS: list[Callable[[Incident], list[TemplateSection] | None]] = []


def incident_template(incident: Incident) -> list[TemplateSection] | None:
    """Return the incident's own template, or None for the default one."""
    for provider in TEMPLATE_PROVIDERS:
        sections = provider(incident)
        if sections:
            return sections
    return None
