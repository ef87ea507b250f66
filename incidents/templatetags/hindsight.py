from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django import template
from django.conf import settings
from django.db import models
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from incidents.markdown import render_markdown
from incidents.response_cache import CSRF_STAND_IN

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Render user Markdown through the one sanitising renderer."""
    return render_markdown(text)


@register.filter
def duration(seconds: int | float | None) -> str:
    """Format seconds for a reader: `8 d 21 h`, `1 h 5 min`, `4 min 10 s`, `45 s`; an em dash
    when unknown. Two units at most, the larger ones only: never `12799 minutes`."""
    if seconds is None:
        return "—"
    total = int(seconds)
    sign = "−" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h" if hours else f"{sign}{days} d"
    if hours:
        return f"{sign}{hours} h {minutes} min" if minutes else f"{sign}{hours} h"
    if minutes:
        return f"{sign}{minutes} min {secs} s" if secs and minutes < 10 else f"{sign}{minutes} min"
    return f"{sign}{secs} s"


def utc_text(value: datetime) -> str:
    """`2026-12-05 16:37 UTC`: how a moment reads in UTC, on hover and with the UTC toggle."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# How Hindsight writes a moment into the text of the entries it records (incidents.services).
_UTC_MENTION = re.compile(r"\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})(?::\d{2})? UTC\b")


def localize_utc_mentions(text: str) -> str:
    """Rewrite the UTC moments in a system entry's text in the viewer's zone, the zone named, so
    that the entries Hindsight writes read like the ones people write (`… to 2026-12-05 17:37 CET`)."""

    def local(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(f"{match[1]}T{match[2]}:00+00:00")
        day, clock, zone = local_parts(moment)
        return f"{day} {clock} {zone}"

    return _UTC_MENTION.sub(local, text)


def local_parts(value: datetime) -> tuple[str, str, str]:
    """(date, clock, zone) of a moment in the viewer's timezone: `2026-12-05`, `17:37`, `CET`."""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M"), local.tzname() or ""


@register.filter
def when(value: datetime | None, style: str = "") -> SafeString | str:
    """The one way a moment is shown: in the viewer's timezone, the zone named, UTC on hover.

    `style` "date" shows the date alone (the whole moment stays on hover). The `time` element
    carries its instant, so the page's UTC toggle (static/js/hindsight.js) can show UTC instead.
    """
    if value is None or not isinstance(value, datetime):
        return "—"
    day, clock, zone = local_parts(value)
    shown = day if style == "date" else f"{day} {clock}"
    return format_html(
        '<time class="when" datetime="{}" title="{}" data-style="{}">{} <span class="tz">{}</span></time>',
        value.astimezone(UTC).isoformat(),
        utc_text(value),
        style or "datetime",
        shown,
        zone,
    )


def display_name(user: Any) -> str:
    """A person as others read them: their full name, else their username; empty for nobody."""
    if user is None:
        return ""
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or str(user.get_username())


@register.filter
def person(user: Any, empty: str = "—") -> str:
    """Show a user by name (`Maya Chen`), never by database id; `empty` when there is nobody."""
    return display_name(user) or empty


@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, type[models.TextChoices]]:
    from incidents import choices as incident_choices
    from timeline import choices as timeline_choices

    found: dict[str, type[models.TextChoices]] = {}
    for module in (incident_choices, timeline_choices):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, models.TextChoices):
                found[name] = value
    return found


@register.filter
def choice_label(value: Any, vocabulary: str) -> str:
    """The label of a stored value (`in_progress` → `In progress`), for templates that hold a
    value rather than the object (whose `get_FOO_display()` says the same). `vocabulary` names a
    TextChoices class: `{{ status|choice_label:"Status" }}`. An unknown value shows as it is."""
    choices = _vocabularies().get(vocabulary)
    if choices is None:
        raise template.TemplateSyntaxError(f"choice_label: no vocabulary named {vocabulary!r}")
    labels = dict(choices.choices)
    return str(labels.get(value, value if value not in (None, "") else "—"))


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
