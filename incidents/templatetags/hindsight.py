from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django import template
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from incidents.markdown import render_markdown
from incidents.panels import panel_templates
from timeline.actors import Actor

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
def panels(slot: str) -> list[str]:
    """Return the templates sub-apps registered for a slot of a core page (incidents/panels.py)."""
    return panel_templates(slot)


@register.filter
def when(value: datetime | None, style: str = "") -> SafeString | str:
    """The one way a moment is shown: in the viewer's timezone, the zone named, UTC on hover.

    `style` "date" shows only the date (the whole moment stays on hover). The `time` element
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


@register.filter(name="display_name")
def display_name(user: Actor) -> str:
    """A person as others read them: their full name, else their username; empty for nobody."""
    if user is None:
        return ""
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or str(user.get_username())


@register.filter
def person(user: Actor, empty: str = "—") -> SafeString | str:
    """Show a user by name (`Maya Chen`), never by database id; `empty` when there is nobody.

    The name is isolated (`bdi`): direction controls in it cannot reorder the text around it."""
    name = display_name(user)
    return bdi(name) if name else empty


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


@register.inclusion_tag("timeline/_event.html", takes_context=True)
def timeline_entry(context: template.Context, event: Any) -> dict[str, Any]:
    """Render one decorated entry (incidents.views.detail.decorate) as `<li>`."""
    just_added = context.get("just_added")
    event.just_added = just_added is not None and just_added.pk == event.pk
    return {
        "event": event,
        "can_edit": context.get("can_edit"),
        "show_deleted": context.get("show_deleted"),
        "timeline_url": context.get("timeline_url", ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def incident_role_slots(incident: Any) -> list[Any]:
    """`{% incident_role_slots incident as roles %}`: the commander, then each other role and holder."""
    from incidents.selectors import incident_roles

    return incident_roles(incident=incident)


@register.simple_tag
def people_choices() -> list[tuple[str, str]]:
    """`{% people_choices as people %}`: (username, name) of active users, for the header's role menus."""
    from incidents.selectors import people_to_name

    return [(user.get_username(), display_name(user)) for user in people_to_name()]


@register.simple_tag
def vocabulary(name: str) -> list[tuple[str, str]]:
    """`{% vocabulary "Status" as statuses %}`: (value, label) pairs of a vocabulary, for menus."""
    choices = _vocabularies().get(name)
    if choices is None:
        raise template.TemplateSyntaxError(f"vocabulary: no vocabulary named {name!r}")
    return [(str(value), str(label)) for value, label in choices.choices]


@register.simple_tag
def milestone_rows(incident: Any) -> list[dict[str, Any]]:
    """`{% milestone_rows incident as milestones %}`: each milestone, its time and time since start."""
    return [
        {"label": "Impact started", "at": incident.started_at, "duration": None},
        {"label": "Detected", "at": incident.detected_at, "duration": incident.time_to_detect},
        {"label": "Acknowledged", "at": incident.acknowledged_at, "duration": incident.time_to_acknowledge},
        {"label": "Mitigated", "at": incident.mitigated_at, "duration": incident.time_to_mitigate},
        {"label": "Resolved", "at": incident.resolved_at, "duration": incident.time_to_resolve},
    ]


@register.filter
def datetime_local(value: datetime | None) -> str:
    """A moment as a datetime-local input's value, in the viewer's timezone (seconds included)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S") if isinstance(value, datetime) else ""
