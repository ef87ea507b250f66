"""Action-item quality hints: what makes an item likely to stall. Hints, never blocks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date

from incidents.conf import hindsight_setting
from incidents.models import RemediationAction

# Wording that names an activity rather than an outcome.
VAGUE_PHRASES = (
    "improve",
    "look into",
    "looking into",
    "monitor better",
    "better monitoring",
    "investigate more",
    "investigate further",
    "further investigation",
    "more investigation",
    "consider",
    "think about",
    "revisit",
    "try to",
    "be more careful",
    "be careful",
    "double check",
    "double-check",
    "make sure",
    "review",
    "explore",
    "enhance",
    "optimize",
    "optimise",
)
_VAGUE = re.compile(r"\b(" + "|".join(re.escape(p) for p in VAGUE_PHRASES) + r")\w*", re.IGNORECASE)
# A measurable end: a number, a threshold, or a condition that says when the item is done.
_MEASURABLE = re.compile(
    r"\d|%|\b(so that|until|at least|at most|below|above|under|within|less than|more than|fewer than|"
    r"alert(s)? when|fails? (the )?(build|deploy)|slo|p\d\d)\b",
    re.IGNORECASE,
)

NO_OWNER = "No owner: an item nobody owns is an item nobody does."
NO_DUE_DATE = "No due date: give it one, or it will drift."
VAGUE = (
    "Vague wording ({phrase!r}) without a measurable end: say what done looks like "
    "(a number, a threshold, an alert that fires when…)."
)
PAST_TARGET = (
    "Due {due} is past the {priority} target of {days} days ({target}): split it, or lower the priority."
)


def _value(source: Any, key: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(key)
    return getattr(source, key, None)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value).strip())
    except ValueError:
        return None


def action_hints(action_or_values: RemediationAction | Mapping[str, Any]) -> list[str]:
    """Return the quality hints for an action item, or for the values of one being written.

    Accepts a RemediationAction or a mapping with `title`, `description`, `owner`, `due_date`,
    `priority` and optionally `created_at` (default: today). An empty list means nothing to say.
    """
    source = action_or_values
    hints: list[str] = []
    owner = _value(source, "owner")
    if isinstance(source, RemediationAction):
        owner = source.owner_id
    if owner in (None, ""):
        hints.append(NO_OWNER)

    due = _as_date(_value(source, "due_date"))
    if due is None:
        hints.append(NO_DUE_DATE)
    else:
        priority = str(_value(source, "priority") or "P2")
        days = hindsight_setting("ACTION_DUE_DAYS").get(priority)
        created = _as_date(_value(source, "created_at")) or timezone.localdate()
        if days is not None and due > created + timedelta(days=days):
            target = created + timedelta(days=days)
            hints.append(
                PAST_TARGET.format(
                    due=due.isoformat(), priority=priority, days=days, target=target.isoformat()
                )
            )

    title = str(_value(source, "title") or "")
    description = str(_value(source, "description") or "")
    match = _VAGUE.search(title) or (None if title.strip() else _VAGUE.search(description))
    if match and not _MEASURABLE.search(f"{title}\n{description}"):
        hints.append(VAGUE.format(phrase=match.group(1).lower()))
    return hints
