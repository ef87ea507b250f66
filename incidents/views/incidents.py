from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents import selectors, services
from incidents.choices import SEVERITY_DESCRIPTIONS, Severity
from incidents.exceptions import ConflictError
from incidents.extensions import extension_forms, extension_forms_data, route_extension_errors
from incidents.filters import IncidentFilterSet
from incidents.forms import (
    DeclareForm,
    IncidentEditForm,
    split_names,
)
from incidents.models import Incident
from incidents.pagination import LastPageCountingPaginator
from incidents.permissions import can_edit_incident, is_responder
from incidents.query import RowIdField, query_values
from incidents.views.common import (
    INVALID,
    add_service_errors,
    clean_query,
    incident_or_404,
    is_htmx,
    usernames,
)
from incidents.views.detail import detail_context
from incidents.views.header import detection_prompt
from timeline import selectors as timeline_selectors
from timeline.actors import Actor

INCIDENTS_PER_PAGE = 25
SEVERITY_OPTIONS = [
    (severity.value, severity.label, SEVERITY_DESCRIPTIONS[severity]) for severity in Severity
]


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """List visible incidents with the filters the API shares; htmx gets just the results."""
    filterset = IncidentFilterSet(request.GET or None, queryset=selectors.incident_list(user=request.user))
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page = LastPageCountingPaginator(
        queryset.order_by("-started_at", "-number"), INCIDENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "query": clean_query(request),
        "services": selectors.services_visible_to(request.user),
    }
    if is_htmx(request):
        return render(request, "incidents/_incident_results.html", context)
    return render(request, "incidents/incident_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_declare(request: HttpRequest) -> HttpResponse:
    """Declare an incident: a title and a severity are enough."""
    if not is_responder(request.user):
        raise PermissionDenied("Only responders can declare incidents.")
    form = DeclareForm(request.POST or None)
    # Fields other apps add (a type and its custom fields): their own forms, shown inside this one.
    extra_forms = extension_forms(data=request.POST or None, incident=None)
    context = {
        "form": form,
        "extra_forms": extra_forms,
        "severity_options": SEVERITY_OPTIONS,
        "usernames": usernames(),
    }
    if request.method == "POST":
        if all([form.is_valid(), *(extra.is_valid() for extra in extra_forms)]):
            data = form.cleaned_data
            try:
                incident = services.incident_declare(
                    actor=request.user,
                    title=data["title"],
                    severity=data["severity"],
                    summary=data["summary"],
                    services=split_names(data["services"]),
                    commander=data["commander"] or None,
                    private=data["private"],
                    started_at=data["started_at"],
                    detected_at=data["detected_at"],
                    extra=extension_forms_data(extra_forms),
                )
            except ValidationError as error:
                rest = route_extension_errors(error, extra_forms)
                if rest is not None:
                    add_service_errors(form, rest)
            else:
                return redirect(incident)
        return render(request, "incidents/incident_declare.html", context, status=INVALID)
    return render(request, "incidents/incident_declare.html", context)


@login_required
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(request, reference)
    context = detail_context(request, incident)
    entry = query_values(request, DetailQuery)["detected_from"]
    if entry and context["can_edit"]:
        # Back from the quick-add box without JavaScript: the offer htmx would have shown.
        visible = Incident.objects.filter(pk=incident.pk).values("pk")
        event = timeline_selectors.event_get(incident_ids=visible, pk=entry)
        context["detection_prompt"] = detection_prompt(request.user, incident, event)
    return render(request, "incidents/incident_detail.html", context)


class DetailQuery(forms.Form):
    detected_from = RowIdField(required=False)


def _edit_initial(incident: Incident, user: Actor) -> dict[str, Any]:
    # A private original stays unnamed (blank) to those who cannot see it; left blank, the form
    # does not count the field as changed, so saving keeps the link.
    original = selectors.original_of(user=user, incident=incident)
    return {
        "version": incident.version,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "commander": incident.commander.get_username() if incident.commander else "",
        "services": ", ".join(service.name for service in incident.services.all()),
        "started_at": incident.started_at,
        "detected_at": incident.detected_at,
        "acknowledged_at": incident.acknowledged_at,
        "mitigated_at": incident.mitigated_at,
        "resolved_at": incident.resolved_at,
        "summary": incident.summary,
        "impact": incident.impact,
        "private": incident.private,
        "duplicate_of": original.reference if original else "",
        "false_alarm": incident.false_alarm,
    }


def _changes(request: HttpRequest, form: IncidentEditForm, incident: Incident) -> dict[str, Any]:
    """Return only what the user changed, in the service's terms; a ValidationError names the field."""
    data = form.cleaned_data
    changes: dict[str, Any] = {}
    for field in form.changed_data:
        if field == "version":
            continue
        value = data[field]
        if field == "services":
            names = split_names(value)
            current = sorted(service.name.lower() for service in incident.services.all())
            if sorted(name.lower() for name in names) == current:
                continue
            value = names
        elif field == "commander":
            value = value or None
        elif field == "duplicate_of":
            if value:
                original = selectors.incident_get(user=request.user, reference=value)
                if original is None:
                    raise ValidationError({"duplicate_of": f"No incident {value!r} that you can see."})
                value = original
            else:
                value = None
        changes[field] = value
    return changes


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Edit the record; a form opened before someone else's save is refused, and nothing is saved on error."""
    incident = incident_or_404(request, reference)
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied("You may not change this incident.")
    initial = _edit_initial(incident, request.user)
    form = IncidentEditForm(request.POST or None, initial=initial)
    extra_forms = extension_forms(data=request.POST or None, incident=incident)
    status = 200
    if request.method == "POST":
        status = INVALID
        if all([form.is_valid(), *(extra.is_valid() for extra in extra_forms)]):
            try:
                changes = _changes(request, form, incident)
                changes.update(extension_forms_data(extra_forms))
                services.incident_update(
                    incident=incident,
                    actor=request.user,
                    data=changes,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                rest = route_extension_errors(error, extra_forms)
                if rest is not None:
                    add_service_errors(form, rest)
            except ConflictError:
                status = 409
                form.add_error(
                    None,
                    "Someone else changed this incident after you opened the form. "
                    "Reload the page to see their changes, then make yours again.",
                )
            else:
                return redirect(incident)
    return render(
        request,
        "incidents/incident_edit.html",
        {"incident": incident, "form": form, "extra_forms": extra_forms, "usernames": usernames()},
        status=status,
    )
