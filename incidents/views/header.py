"""One-click controls in the incident header: severity, status, commander and the other roles,
and the milestone times a change calls for. Each goes through `incident_update` (which writes the
system timeline entries); htmx gets the header back alone, with the milestones card and a nudge to
the timeline out of band."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from incidents import services
from incidents.choices import Status
from incidents.exceptions import ConflictError
from incidents.forms import local_datetime_field
from incidents.lifecycle import LABELS
from incidents.models import Incident
from incidents.views.common import INVALID, incident_or_404, is_htmx, require_edit
from incidents.views.detail import detail_context
from timeline import selectors as timeline_selectors
from timeline.actors import Actor
from timeline.choices import EventKind

# Milestone times a header control (or its prompt) may set directly.
MILESTONES = ("acknowledged_at", "mitigated_at", "resolved_at")
# A status that stamps a milestone when it is empty (incident_update), and so prompts for it.
STAMPED_BY: dict[str, str] = {Status.MONITORING: "mitigated_at", Status.RESOLVED: "resolved_at"}
DETECTION_KINDS = (EventKind.ALERT, EventKind.DETECTION)
FROM_ENTRY = "detected_at_from_entry"


class HeaderChangeForm(forms.Form):
    field = forms.CharField(max_length=80)
    value = forms.CharField(max_length=200, required=False, strip=True)
    version = forms.IntegerField(min_value=1)
    tab = forms.CharField(max_length=30, required=False)


_MOMENT = local_datetime_field("When")


def _moment(value: str) -> datetime:
    if value == "now":
        return timezone.now()
    try:
        moment = _MOMENT.clean(value)
    except ValidationError as error:
        raise ValidationError("Give a date and time.") from error
    if moment is None:
        raise ValidationError("Give a date and time.")
    return moment


def detection_prompt(user: Actor, incident: Incident, event: Any) -> dict[str, Any] | None:
    """Return the offer to move `detected_at` back to an alert or detection entry written earlier
    than it, or None when the entry does not call for one. Never applied without a click."""
    if event is None or event.kind not in DETECTION_KINDS or event.occurred_at >= incident.detected_at:
        return None
    return {
        "event": event,
        "at": event.occurred_at,
        "detected_at": incident.detected_at,
        "moves_start": event.occurred_at < incident.started_at,
    }


def _changes(incident: Incident, field: str, value: str) -> dict[str, Any]:
    """Translate one header control into `incident_update` data; a ValidationError names the problem."""
    if field in ("severity", "status"):
        return {field: value}
    if field == "commander":
        return {"commander": value or None}
    if field.startswith("role:"):
        return {"roles": {field.removeprefix("role:"): value or None}}
    if field in MILESTONES:
        return {field: _moment(value)}
    if field == FROM_ENTRY:
        try:
            pk = int(value)
        except ValueError:
            pk = 0
        visible = Incident.objects.filter(pk=incident.pk).values("pk")
        event = timeline_selectors.event_get(incident_ids=visible, pk=pk) if pk else None
        if event is None or event.kind not in DETECTION_KINDS:
            raise ValidationError("That entry is not an alert or detection in this incident.")
        changes: dict[str, Any] = {"detected_at": event.occurred_at}
        if event.occurred_at < incident.started_at:
            changes["started_at"] = event.occurred_at
        return changes
    raise ValidationError("That cannot be changed from the header.")


def _milestone_prompt(before: Incident, after: Incident) -> dict[str, Any] | None:
    """After a status change, offer to correct the milestone time it set (or the one it implies)."""
    if before.status == after.status:
        return None
    stamped = STAMPED_BY.get(after.status)
    if stamped and getattr(before, stamped) is None and getattr(after, stamped) is not None:
        return {
            "field": stamped,
            "label": LABELS[stamped].capitalize(),
            "at": getattr(after, stamped),
            "set": True,
        }
    if after.status == Status.IDENTIFIED and after.acknowledged_at is None:
        return {"field": "acknowledged_at", "label": "Acknowledged", "at": None, "set": False}
    return None


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{LABELS.get(field, field.replace('_', ' ')).capitalize()}: {message}"
            if field not in ("__all__", "roles", "status", "severity", "commander")
            else message
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


@login_required
@require_POST
def incident_header_change(request: HttpRequest, reference: str) -> HttpResponse:
    """Change one thing from the header; bad input shows a message in the header and changes nothing."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    form = HeaderChangeForm(request.POST)
    context: dict[str, Any] = {"can_edit": True, "tab": "overview"}
    status = 200
    updated = incident
    if not form.is_valid():
        context["header_error"] = "That change could not be read; reload the page and try again."
        status = INVALID
    else:
        data = form.cleaned_data
        context["tab"] = data["tab"] or "overview"
        try:
            changes = _changes(incident, data["field"], data["value"])
            updated = services.incident_update(
                incident=incident, actor=request.user, data=changes, expected_version=data["version"]
            )
        except ValidationError as error:
            context["header_error"] = _message(error)
            status = INVALID
        except ConflictError:
            context["header_error"] = (
                "Someone else changed this incident a moment ago; here it is as it is now. "
                "Make your change again if it still applies."
            )
            status = 409
        else:
            context["milestone_prompt"] = _milestone_prompt(incident, updated)
            context["changed"] = True
    if not is_htmx(request):
        # Without JavaScript: back to the page (an error shows there on the next view of the form).
        return redirect(updated) if status == 200 else _full_page(request, updated, context, status)
    updated.refresh_from_db()
    context["incident"] = updated
    response = render(request, "incidents/_header_response.html", context, status=status)
    if context.get("changed"):
        # The timeline reloads its entries: the change wrote system entries there.
        response["HX-Trigger"] = "incident-changed"
    return response


def _full_page(
    request: HttpRequest, incident: Incident, context: dict[str, Any], status: int
) -> HttpResponse:
    incident.refresh_from_db()
    page = detail_context(request, incident)
    page.update({key: value for key, value in context.items() if key != "tab"})
    return render(request, "incidents/incident_detail.html", page, status=status)
