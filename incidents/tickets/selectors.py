"""Ticket sync's readers: the trackers to offer, the links of the items a page shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from incidents.models import RemediationAction

from .models import TicketLink, TrackerConnection


def tracker_list() -> QuerySet[TrackerConnection]:
    """Return the trackers people may create tickets in (switched-on ones)."""
    return TrackerConnection.objects.filter(active=True).order_by("name")


def tracker_lookup(value: Any) -> TrackerConnection:
    """Return the active tracker with this id or name, or a `tracker` field error."""
    if value in (None, ""):
        raise ValidationError({"tracker": "Choose a tracker (its id or name)."})
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({"tracker": "Give the tracker's id or name."})
    trackers = tracker_list()
    text = str(value).strip()
    found = trackers.filter(pk=int(text)).first() if text.isdigit() and len(text) < 10 else None
    found = found or trackers.filter(name__iexact=text).first()
    if found is None:
        raise ValidationError({"tracker": f"No tracker called {text!r}."})
    return found


def ticket_link_for(action: RemediationAction) -> TicketLink | None:
    return TicketLink.objects.select_related("tracker").filter(action=action).first()


def ticket_links_for(actions: Iterable[RemediationAction]) -> dict[int, TicketLink]:
    """Return each item's link, by item id, in one query (for lists of action items)."""
    ids = [action.pk for action in actions]
    return {
        link.action_id: link
        for link in TicketLink.objects.select_related("tracker").filter(action_id__in=ids)
    }
