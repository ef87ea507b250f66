from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from incidents import services
from incidents.forms import StatusUpdateForm
from incidents.views.common import INVALID, add_service_errors, incident_or_404, is_htmx, require_edit


@login_required
@require_http_methods(["GET", "POST"])
def status_update_post(request: HttpRequest, reference: str) -> HttpResponse:
    """Post an internal or public status update (public ones reach the status page). GET gives
    the form: its box on the incident page fetches it with htmx."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    if request.method == "GET":
        template = "incidents/_update_form.html" if is_htmx(request) else "incidents/update_form.html"
        return render(request, template, {"incident": incident, "form": StatusUpdateForm()})
    form = StatusUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.status_update_post(
                incident=incident,
                actor=request.user,
                message=form.cleaned_data["message"],
                audience=form.cleaned_data["audience"],
                posted_at=form.cleaned_data["posted_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(reverse("incident-detail", args=[incident.reference]) + "#updates")
    return render(request, "incidents/update_form.html", {"incident": incident, "form": form}, status=INVALID)
