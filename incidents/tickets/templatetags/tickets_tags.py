"""Template tags of the action-item ticket panel: one query per list, not one per item."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from incidents.models import RemediationAction

from .. import selectors
from ..models import TicketLink, TrackerConnection

register = template.Library()

_LINK = "_ticket_link"
_TRACKERS = "_ticket_trackers"


@register.simple_tag
def prefetch_ticket_links(actions: Iterable[RemediationAction]) -> str:
    """Load the links of a list of items at once, and the trackers to offer (renders nothing)."""
    items = list(actions)
    links = selectors.ticket_links_for(items)
    trackers = list(selectors.tracker_list())
    for action in items:
        setattr(action, _LINK, links.get(action.pk))
        setattr(action, _TRACKERS, trackers)
    return ""


def _trackers(action: RemediationAction) -> list[TrackerConnection]:
    trackers: list[TrackerConnection] | None = getattr(action, _TRACKERS, None)
    return list(selectors.tracker_list()) if trackers is None else trackers


@register.simple_tag
def ticket_link_of(action: RemediationAction) -> TicketLink | None:
    if hasattr(action, _LINK):
        link: TicketLink | None = getattr(action, _LINK)
        return link
    return selectors.ticket_link_for(action)


@register.simple_tag
def ticket_trackers(action: RemediationAction) -> list[TrackerConnection]:
    """The trackers an editor may create a ticket in for this item (private incidents: few or none)."""
    return [tracker for tracker in _trackers(action) if tracker.allow_private or not action.incident.private]


@register.simple_tag
def link_trackers(action: RemediationAction) -> list[TrackerConnection]:
    """Every switched-on tracker: linking an existing ticket sends nothing out."""
    return _trackers(action)
