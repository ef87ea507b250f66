"""The action item's "Create ticket in …" button and "Link existing ticket" form (POST only)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from incidents import selectors as core_selectors
from incidents.views.common import INVALID, add_service_errors, incident_or_404, require_edit

from . import selectors, services


class TicketForm(forms.Form):
    tracker = forms.CharField(max_length=100)
    url = forms.CharField(max_length=500, required=False, label="Ticket address or key")


@login_required
@require_POST
def action_ticket(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Create a ticket for the item (no `url`) or link the existing one `url` names."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    action = core_selectors.action_get(user=request.user, pk=pk)
    if action is None or action.incident_id != incident.pk:
        raise Http404("No such action item.")
    form = TicketForm(request.POST)
    if form.is_valid():
        try:
            tracker = selectors.tracker_lookup(form.cleaned_data["tracker"])
            if form.cleaned_data["url"].strip():
                services.ticket_link_existing(
                    action=action, actor=request.user, tracker=tracker, reference=form.cleaned_data["url"]
                )
            else:
                services.ticket_request(action=action, actor=request.user, tracker=tracker)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(reverse("incident-detail", args=[incident.reference]) + f"#action-{action.pk}")
    context = {"incident": incident, "action": action, "form": form, "trackers": selectors.tracker_list()}
    return render(request, "tickets/action_ticket.html", context, status=INVALID)
