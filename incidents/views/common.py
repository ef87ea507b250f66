"""Helpers every UI view shares: incident lookup that never leaks, htmx detection, error mapping."""

from __future__ import annotations

import html
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.html import strip_tags

from incidents import selectors
from incidents.markdown import render_markdown
from incidents.models import Incident
from incidents.permissions import can_edit_incident
from incidents.writing import blame_flags

# Form errors answer 422 (htmx is configured in base.html to swap it), so tests and clients can
# tell a rejected submission from a page view.
INVALID = 422


def is_htmx(request: HttpRequest) -> bool:
    """Return True for requests htmx made; they get a partial instead of the whole page."""
    return request.headers.get("HX-Request") == "true"


def incident_or_404(request: HttpRequest, reference: str) -> Incident:
    """Return the incident if the user may see it; 404 otherwise, so private ones do not leak."""
    incident = selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    return incident


def require_edit(request: HttpRequest, incident: Incident) -> None:
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied("You may not change this incident.")


def add_service_errors(form: Form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError next to the matching form fields (or above the form)."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = field_map.get(field, field)
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def clean_query(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> str:
    """Return the query string without `drop` keys (for pagination links)."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def event_choices(events: list[Any]) -> list[tuple[str, str]]:
    """Label timeline entries for a checkbox list: local time and the start of the text, as read."""
    seen: set[int] = set()
    choices: list[tuple[str, str]] = []
    for event in events:
        if event.pk in seen or event.deleted_at is not None:
            continue
        seen.add(event.pk)
        when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
        text = " ".join(html.unescape(strip_tags(render_markdown(event.body))).split())
        choices.append((str(event.pk), f"{when} · {text if len(text) <= 80 else text[:79] + '…'}"))
    return choices


USERNAME_SUGGESTIONS = 500


def usernames() -> list[str]:
    """Active usernames, offered as suggestions (a <datalist>) in commander and owner fields."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return list(users.values_list("username", flat=True)[:USERNAME_SUGGESTIONS])


def warn_blame(request: HttpRequest, *texts: str) -> None:
    """After a save, say which words read as blame (a warning: the save has happened)."""
    people = selectors.people_names()
    flags = [flag for text in texts for flag in blame_flags(text, people=people)]
    if not flags:
        return
    shown = "; ".join(f"“{flag.text}”: {flag.explanation}" for flag in flags[:3])
    more = f" (and {len(flags) - 3} more)" if len(flags) > 3 else ""
    messages.warning(
        request,
        f"Saved. Writing check — this may read as blame: {shown}{more} {flags[0].suggestion}",
    )
