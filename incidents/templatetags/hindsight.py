from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from incidents.markdown import render_markdown
from incidents.response_cache import CSRF_STAND_IN

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
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


class TimelineEntry(NamedTuple):
    """Everything one timeline entry's HTML depends on (templates/timeline/_event.html), for a
    given viewer: the entry's decorated fields, what the viewer may do, and where its forms post."""

    sid: str
    kind: str
    kind_label: str
    is_key: bool
    deleted_at: bool
    edited_at: bool
    source: str
    body: str
    byline: str
    when_iso: str
    when_title: str
    when_date: str
    when_clock: str
    just_added: bool
    can_edit: bool
    show_deleted: bool
    timeline_url: str


# Entries with longer text are rendered each time, so that the remembered ones stay within about
# 10 MB per process (2,048 of them, text and HTML).
_REMEMBER_BODIES_UP_TO = 2000


@register.simple_tag(takes_context=True)
def timeline_entry(context: template.Context, event: Any) -> SafeString:
    """Render one decorated entry (incidents.views.timeline.decorate) as `<li>`.

    The incident page shows up to 50 entries and rendering them was half of its time, although
    an entry changes rarely. The HTML is a function of `TimelineEntry` alone, so each process
    remembers the latest two thousand: a pin, an edit, a deletion, another timezone or another
    role is another key, never a stale entry. With DEBUG templates are re-read, so nothing is kept.
    """
    just_added = context.get("just_added")
    entry = TimelineEntry(
        sid=event.sid,
        kind=event.kind,
        kind_label=event.kind_label,
        is_key=bool(event.is_key),
        deleted_at=event.deleted_at is not None,
        edited_at=event.edited_at is not None,
        source=event.source,
        body=event.body,
        byline=event.byline,
        when_iso=event.when_iso,
        when_title=event.when_title,
        when_date=event.when_date,
        when_clock=event.when_clock,
        just_added=bool(just_added is not None and just_added.pk == event.pk),
        can_edit=bool(context.get("can_edit")),
        show_deleted=bool(context.get("show_deleted")),
        timeline_url=str(context.get("timeline_url", "")),
    )
    remember = not settings.DEBUG and len(entry.body) <= _REMEMBER_BODIES_UP_TO
    render = _render_entry if remember else _render_entry.__wrapped__
    csrf_token = context.get("csrf_token")
    # Remembered entries hold the stand-in for the CSRF token: this request's goes in (while a page
    # is rendered to be kept, the token in the context is that same stand-in).
    html = render(entry).replace(CSRF_STAND_IN, str(csrf_token) if csrf_token else "")
    return mark_safe(html)  # noqa: S308


@lru_cache(maxsize=2048)
def _render_entry(entry: TimelineEntry) -> str:
    return str(
        get_template("timeline/_event.html").render(
            {
                "event": entry,
                "can_edit": entry.can_edit,
                "show_deleted": entry.show_deleted,
                "timeline_url": entry.timeline_url,
                "csrf_token": CSRF_STAND_IN,
            }
        )
    )
