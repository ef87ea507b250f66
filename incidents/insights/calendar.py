"""A personal iCalendar feed of action-item due dates, at a secret, revocable URL.

The URL is the only credential (calendar apps cannot sign in), so it carries a 256-bit random
token from Profile.calendar_token; regenerating it kills the old URL, revoking empties it. The
feed lists the user's open items in incidents the user can still see.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from icalendar import Calendar, Event

from incidents import selectors
from incidents.choices import OPEN_ACTION_STATUSES
from incidents.insights.links import incident_path
from incidents.models import Profile, RemediationAction
from incidents.services.accounts import calendar_token_reset, profile_for
from incidents.services.common import require_user
from timeline.actors import Actor


def calendar_for(*, user: Actor, base_url: str) -> Calendar:
    """Return the calendar of the user's open action items (one all-day event on each due date)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Hindsight//Action items//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Hindsight action items")
    actions = (
        selectors.action_list(user=user)
        .filter(owner=require_user(user), status__in=OPEN_ACTION_STATUSES)
        .order_by("due_date", "id")
    )
    stamp = timezone.now()
    for action in actions:
        calendar.add_component(_event(action, base_url=base_url, stamp=stamp))
    return calendar


def _event(action: RemediationAction, *, base_url: str, stamp: object) -> Event:
    event = Event()
    event.add("uid", f"action-{action.pk}@hindsight")
    event.add("dtstamp", stamp)
    event.add("summary", f"Due: {action.title} ({action.incident.reference})")
    event.add("dtstart", action.due_date)
    event.add("dtend", action.due_date + timedelta(days=1))
    path = incident_path(action.incident.reference)
    if path:
        event.add("url", base_url + path)
    event.add(
        "description",
        f"{action.get_priority_display()} {action.get_kind_display()} action item of "
        f"{action.incident.reference} {action.incident.title}. Status: {action.get_status_display()}.",
    )
    event.add("transp", "TRANSPARENT")
    return event


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    if not token:
        raise Http404
    profile = (
        Profile.objects.select_related("user").filter(calendar_token=token, user__is_active=True).first()
    )
    if profile is None or not profile.calendar_token:
        raise Http404("Unknown or revoked calendar URL.")
    calendar = calendar_for(user=profile.user, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hindsight-action-items.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile_calendar(request: HttpRequest) -> HttpResponse:
    """Show the secret calendar URL; POST `regenerate` for a new one or `revoke` to turn it off."""
    if request.method == "POST":
        revoke = request.POST.get("action") == "revoke"
        calendar_token_reset(user=request.user, revoke=revoke)
        messages.success(
            request,
            "Calendar URL revoked: the old address no longer works."
            if revoke
            else "New calendar URL created; any old address no longer works.",
        )
        return redirect("profile-calendar")
    profile = profile_for(request.user)
    url = (
        request.build_absolute_uri(reverse("calendar-feed", args=[profile.calendar_token]))
        if profile.calendar_token
        else None
    )
    return render(request, "insights/profile_calendar.html", {"calendar_url": url})
