from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors, services
from incidents.choices import ActionStatus
from incidents.filters import ActionFilterSet
from incidents.forms import ActionCloseForm, ActionForm
from incidents.models import Incident, RemediationAction
from incidents.query import query_values
from incidents.views.common import (
    INVALID,
    add_service_errors,
    clean_query,
    incident_or_404,
    is_htmx,
    require_edit,
    usernames,
    warn_blame,
)

ACTIONS_PER_PAGE = 50
TABS = ("mine", "all", "overdue")


def _cause_choices(incident: Incident) -> list[tuple[str, str]]:
    return [
        (str(cause.pk), f"{cause.get_role_display()}: {cause.description[:60]}")
        for cause in incident.causes.all()
    ]


def _action_url(incident: Incident, action: RemediationAction) -> str:
    return reverse("incident-detail", args=[incident.reference]) + f"#action-{action.pk}"


def _action_or_404(request: HttpRequest, incident: Incident, pk: int) -> RemediationAction:
    action = selectors.action_get(user=request.user, pk=pk)
    if action is None or action.incident_id != incident.pk:
        raise Http404("No such action item.")
    return action


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the form (its box on the incident page fetches it with htmx); POST: add the item."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    if request.method == "GET":
        context = {
            "incident": incident,
            "form": ActionForm(cause_choices=_cause_choices(incident)),
            "usernames": usernames(),
        }
        template = "incidents/_action_form_box.html" if is_htmx(request) else "incidents/action_form.html"
        return render(request, template, context)
    form = ActionForm(request.POST, cause_choices=_cause_choices(incident))
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_add(
                incident=incident,
                actor=request.user,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                priority=data["priority"],
                owner=data["owner"] or None,
                due_date=data["due_date"],
                status=data["status"],
                ticket_url=data["ticket_url"],
                causes=data["causes"],
                completion_note=data["completion_note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            warn_blame(request, action.title, action.description)
            return redirect(_action_url(incident, action))
    context = {"incident": incident, "form": form, "usernames": usernames()}
    return render(request, "incidents/action_form.html", context, status=INVALID)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    action = _action_or_404(request, incident, pk)
    initial: dict[str, Any] = {
        "title": action.title,
        "kind": action.kind,
        "priority": action.priority,
        "owner": action.owner.get_username() if action.owner else "",
        "due_date": action.due_date,
        "status": action.status,
        "ticket_url": action.ticket_url,
        "description": action.description,
        "completion_note": action.completion_note,
        "causes": [str(pk) for pk in action.causes.values_list("pk", flat=True)],
    }
    form = ActionForm(request.POST or None, initial=initial, cause_choices=_cause_choices(incident))
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            data = {field: form.cleaned_data[field] for field in form.changed_data}
            if "owner" in data:
                data["owner"] = data["owner"] or None
            try:
                saved = services.action_update(action=action, actor=request.user, data=data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                warn_blame(request, saved.title, saved.description)
                return redirect(_action_url(incident, action))
    context = {"incident": incident, "form": form, "action": action, "usernames": usernames()}
    return render(request, "incidents/action_form.html", context, status=status)


@login_required
@require_POST
def action_close(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Close an item as done (with evidence) or won't do (with a reason)."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    action = _action_or_404(request, incident, pk)
    form = ActionCloseForm(request.POST)
    if form.is_valid():
        try:
            services.action_update(action=action, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_action_url(incident, action))
    context = {"incident": incident, "form": form, "action": action}
    return render(request, "incidents/action_close.html", context, status=INVALID)


class ActionListQuery(forms.Form):
    owner = forms.CharField(required=False, max_length=150)


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    """Action items across every incident the user can see: mine, all, or overdue."""
    tab = request.GET.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    filters: dict[str, Any] = {}
    owner = query_values(request, ActionListQuery)["owner"].strip()
    statuses = [value for value in request.GET.getlist("status") if value in ActionStatus.values]
    if tab == "mine":
        filters["owner"] = request.user.get_username()
    elif owner:
        filters["owner"] = owner
    if tab == "overdue":
        filters["overdue"] = "true"
    if statuses:
        filters["status"] = statuses
    elif tab == "mine":
        filters["status"] = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
    queryset = selectors.action_list(user=request.user, filters=filters).order_by("due_date", "id")
    page = Paginator(queryset, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "tabs": TABS,
        "owner": owner,
        "statuses": statuses,
        "status_choices": ActionStatus.choices,
        "page": page,
        "query": clean_query(request),
        "filter_form": ActionFilterSet().form,
    }
    if is_htmx(request):
        return render(request, "incidents/_action_results.html", context)
    return render(request, "incidents/action_list.html", context)
