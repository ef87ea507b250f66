"""What the incident page shows: the record, its timeline window and the filters.

Both the page (views.incidents) and the timeline's own actions (views.timeline) build their
context here, so neither view module imports the other.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from incidents import selectors
from incidents.forms import QuickAddForm, TimelineFilterForm
from incidents.models import Cause, ChangeEvent, Incident
from incidents.permissions import can_edit_incident, is_admin
from incidents.services.changes import CHANGE_EVIDENCE_PREFIX, change_evidence_id
from incidents.templatetags.hindsight import (
    display_name,
    local_parts,
    localize_utc_mentions,
    utc_text,
)
from timeline import selectors as timeline_selectors
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent
from timeline.selectors import TimelineFilters

# How many entries the incident page shows before "Show earlier entries" (which fetches as many
# again). The latest 50 cover the current stretch of a live incident; at 100 the page of an
# incident with 10,000 entries took twice as long to render for entries few scroll back to.
TIMELINE_WINDOW = 50
KEY_EVENTS_SHOWN = 50
FILTER_FIELDS = ("q", "kind", "by", "source", "key")


def decorate(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Prepare what each row shows (local date and time, labels) in Python: much cheaper than
    template filters when a page shows hundreds of entries. Times are in the viewer's timezone,
    the zone named, UTC on hover (as the `when` filter shows every other time); authors by name."""
    kinds = dict(EventKind.choices)
    sources = dict(EventSource.choices)
    for event in events:
        # The row's display attributes exist only for the template: `row` is the event, typed Any
        # so these extra attributes need no model fields.
        row: Any = event
        day, clock, zone = local_parts(event.occurred_at)
        row.when_iso = timezone.localtime(event.occurred_at).isoformat()
        row.when_date = day
        row.when_clock = f"{clock} {zone}"
        row.when_title = utc_text(event.occurred_at)
        row.sid = str(event.pk)
        if event.source == EventSource.SYSTEM:
            # Read-only entries (never saved from here): their times in the viewer's zone too.
            event.body = localize_utc_mentions(event.body)
        row.kind_label = kinds.get(event.kind, event.kind)
        row.byline = display_name(event.author) if event.author_id else sources.get(event.source, "")
    return events


def timeline_filter_form(request: HttpRequest, incident: Incident) -> TimelineFilterForm:
    """The timeline's filters, read from the URL (`?kind=action&key=1&by=maya&source=api&q=db`)."""
    people = [
        (user.get_username(), display_name(user)) for user in timeline_selectors.authors(incident=incident)
    ]
    data = {name: request.GET[name] for name in FILTER_FIELDS if name in request.GET}
    return TimelineFilterForm(data or None, authors=people)


def timeline_context(
    request: HttpRequest, incident: Incident, before: TimelineEvent | None = None
) -> dict[str, Any]:
    filter_form = timeline_filter_form(request, incident)
    filters = filter_form.filters() if filter_form.is_bound else TimelineFilters()
    events, has_earlier = timeline_selectors.timeline_window(
        incident=incident,
        before=before,
        limit=TIMELINE_WINDOW,
        include_deleted=is_admin(request.user),
        filters=filters,
    )
    filter_query = urlencode({name: value for name, value in filter_form.data.items() if value})
    return {
        "incident": incident,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "filter_query": filter_query,
        "events": decorate(events),
        "timeline_url": reverse("incident-timeline", args=[incident.reference]),
        "has_earlier": has_earlier,
        "earliest": events[0] if events else None,
        "key_events": list(timeline_selectors.key_events(incident=incident)[:KEY_EVENTS_SHOWN]),
        "can_edit": can_edit_incident(request.user, incident),
        "show_deleted": is_admin(request.user),
    }


def with_suspected_causes(changes: list[ChangeEvent], causes: list[Cause]) -> list[ChangeEvent]:
    """Give each change the cause "Suspect this change" made of it (`suspected_cause`, or None),
    found among the causes the page already loaded (their evidence is prefetched: no query)."""
    found: dict[str, Cause] = {}
    for cause in causes:
        for event in cause.evidence.all():
            if event.external_id.startswith(CHANGE_EVIDENCE_PREFIX):
                found.setdefault(event.external_id, cause)
    for change in changes:
        row: Any = change  # a display attribute for the template, not a model field
        row.suspected_cause = found.get(change_evidence_id(change))
    return changes


def detail_context(request: HttpRequest, incident: Incident, **overrides: Any) -> dict[str, Any]:
    """Everything the incident page shows, in a fixed number of queries whatever the incident's size."""
    can_edit = can_edit_incident(request.user, incident)
    causes = list(selectors.cause_list(user=request.user, incident=incident))
    actions = list(incident.actions.select_related("owner").order_by("status", "due_date", "id"))
    context: dict[str, Any] = {
        "incident": incident,
        "can_edit": can_edit,
        "causes": causes,
        "actions": actions,
        "open_action_count": sum(1 for action in actions if action.is_open),
        "updates": list(selectors.status_update_list(user=request.user, incident=incident)[:20]),
        "related": list(
            selectors.related_incidents(user=request.user, incident=incident, causes=causes)[:10]
        ),
        "duplicates": list(incident.duplicates.visible_to(request.user)[:20]),
        "changes": with_suspected_causes(list(selectors.changes_near(incident=incident)[:10]), causes),
    }
    context.update(timeline_context(request, incident))
    if can_edit:
        # The quick-add box is always open. The cause, action-item and status-update forms are
        # fetched when their box is opened (htmx; without JS the box links to the form's page):
        # rendered here they were most of the page's HTML and of its time, on every view.
        context["quick_add_form"] = context.get("quick_add_form") or QuickAddForm()
    context.update(overrides)
    return context
