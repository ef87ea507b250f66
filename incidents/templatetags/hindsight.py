from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from incidents.markdown import render_markdown
from incidents.panels import panel_templates

register = template.Library()


@register.simple_tag(takes_context=True)
def original_of(context: template.Context, incident: Any) -> Any:
    """`{% original_of incident as original %}`: the original of a duplicate, if the viewer may see it."""
    from incidents import selectors

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return selectors.original_of(user=user, incident=incident)


# First Strong Isolate … Pop Directional Isolate: <bdi> for plain text (page titles, feeds).
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


@register.filter
def bdi(value: Any) -> SafeString | str:
    """Wrap a title or name people wrote in `<bdi>`: its direction controls stay inside it.

    A title holding U+202E (right-to-left override) or an unclosed U+2066 would otherwise reverse
    or reorder the text after it — the reference beside it, the next column — and could make one
    incident look like another.
    """
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolate(value: Any) -> str:
    """Isolate a title in plain text (where no tag can go) with Unicode's isolate controls."""
    if value is None or value == "":
        return ""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Render user Markdown through the one sanitising renderer."""
    return render_markdown(text)


@register.filter
def duration(seconds: int | float | None) -> str:
    """Format seconds as `2d 3h`, `1h 05m`, `4m 10s`; an em dash when unknown."""
    if seconds is None:
        return "—"
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


@register.filter
def panels(slot: str) -> list[str]:
    """Return the templates sub-apps registered for a slot of a core page (incidents/panels.py)."""
    return panel_templates(slot)


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.inclusion_tag("timeline/_event.html", takes_context=True)
def timeline_entry(context: template.Context, event: Any) -> dict[str, Any]:
    """Render one decorated entry (incidents.views.timeline.decorate) as `<li>`."""
    just_added = context.get("just_added")
    event.just_added = just_added is not None and just_added.pk == event.pk
    return {
        "event": event,
        "can_edit": context.get("can_edit"),
        "show_deleted": context.get("show_deleted"),
        "timeline_url": context.get("timeline_url", ""),
        "csrf_token": context.get("csrf_token"),
    }
