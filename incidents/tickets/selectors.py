"""Ticket sync's readers: the trackers to offer, the links of the items a page shows, the links a
reconcile fetches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from incidents.conf import hindsight_setting
from incidents.models import RemediationAction

from .models import LinkState, TicketLink, TrackerConnection

# A closed ticket is fetched at most this often (an open one at every run), and only for
# TICKETS_RECHECK_CLOSED_DAYS after it closed: reopening is rarer than closing, and old tickets
# that are reopened have their webhook; this only catches a missed one.
RECHECK_CLOSED_EVERY = timedelta(hours=1)


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


def reconcile_due_links(*, now: datetime, limit: int) -> QuerySet[TicketLink]:
    """The links the next reconcile fetches, least recently synced first, at most `limit`.

    Every open ticket; a closed one if it closed within TICKETS_RECHECK_CLOSED_DAYS and was not
    synced within RECHECK_CLOSED_EVERY. A link that was never synced comes first.
    """
    due = Q(state=LinkState.OPEN)
    days = int(hindsight_setting("TICKETS_RECHECK_CLOSED_DAYS"))
    if days > 0:
        due |= (
            Q(state=LinkState.CLOSED, closed_at__gte=now - timedelta(days=days))
            & (Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=now - RECHECK_CLOSED_EVERY))
        )  # fmt: skip
    return (
        TicketLink.objects.filter(due, tracker__active=True, action__deleted_at__isnull=True)
        .select_related("tracker")
        .order_by(F("last_synced_at").asc(nulls_first=True), "pk")[:limit]
    )
