from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from incidents import selectors, services
from incidents.forms import CauseForm
from incidents.models import Cause, Incident
from incidents.services.changes import cause_from_change
from incidents.views.common import (
    INVALID,
    add_service_errors,
    event_choices,
    incident_or_404,
    is_htmx,
    require_edit,
    warn_blame,
)
from timeline import selectors as timeline_selectors


def _evidence_choices(incident: Incident, cause: Cause | None = None) -> list[tuple[str, str]]:
    """Pinned entries, the latest 30, and whatever the cause already cites."""
    events = list(timeline_selectors.key_events(incident=incident)[:50])
    recent, _ = timeline_selectors.timeline_window(incident=incident, limit=30)
    events += list(reversed(recent))
    if cause is not None:
        events += list(cause.evidence.all())
    return event_choices(events)


def _cause_url(incident: Incident, cause: Cause) -> str:
    return reverse("incident-detail", args=[incident.reference]) + f"#cause-{cause.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def cause_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    if request.method == "GET":
        context = {"incident": incident, "form": CauseForm(evidence_choices=_evidence_choices(incident))}
        template = "incidents/_cause_form.html" if is_htmx(request) else "incidents/cause_form.html"
        return render(request, template, context)
    form = CauseForm(request.POST, evidence_choices=_evidence_choices(incident))
    if form.is_valid():
        try:
            cause = services.cause_add(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            warn_blame(request, cause.description)
            return redirect(_cause_url(incident, cause))
    return render(request, "incidents/cause_form.html", {"incident": incident, "form": form}, status=INVALID)


@login_required
@require_http_methods(["GET", "POST"])
def cause_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Edit a cause, typically to move it from suspected to confirmed or ruled out."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    cause = selectors.cause_get(user=request.user, pk=pk)
    if cause is None or cause.incident_id != incident.pk:
        raise Http404("No such cause.")
    initial = {
        "category": cause.category,
        "role": cause.role,
        "status": cause.status,
        "description": cause.description,
        "evidence": [str(event.pk) for event in cause.evidence.all()],
    }
    form = CauseForm(
        request.POST or None, initial=initial, evidence_choices=_evidence_choices(incident, cause)
    )
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                services.cause_update(cause=cause, actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                warn_blame(request, form.cleaned_data["description"])
                return redirect(_cause_url(incident, cause))
    context = {"incident": incident, "form": form, "cause": cause}
    return render(request, "incidents/cause_form.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def cause_from_change_view(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """ "Suspect this change": a suspected cause citing the change, then the page at that cause.

    A plain form post answered with a redirect: the timeline, the causes and the changes card all
    change, so the page is loaded again (with or without JS) rather than patched in three places."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    change = selectors.change_near_get(incident=incident, pk=pk)
    if change is None:
        raise Http404("No such change near this incident.")
    cause, _ = cause_from_change(incident=incident, change=change, actor=request.user)
    return redirect(_cause_url(incident, cause))
