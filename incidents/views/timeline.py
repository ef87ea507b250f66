"""The incident timeline: a window of the latest entries, the quick-add box, and in-place edits.

Every action answers htmx with the fragment to swap and a plain browser with a redirect, so the
page works without JavaScript too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.forms import EventEditForm, QuickAddForm
from incidents.models import Incident
from incidents.permissions import can_edit_incident, is_admin
from incidents.query import RowIdField, query_values
from incidents.views.common import INVALID, add_service_errors, incident_or_404, is_htmx, require_edit
from incidents.views.detail import KEY_EVENTS_SHOWN, decorate, detail_context, timeline_context
from incidents.views.header import detection_prompt
from timeline import selectors as timeline_selectors
from timeline import services as timeline_services
from timeline.choices import EventSource
from timeline.models import TimelineEvent

EDIT_FORM_FIELDS = frozenset({"body", "kind", "occurred_at"})


def _event_or_404(request: HttpRequest, incident: Incident, pk: int) -> TimelineEvent:
    event = timeline_selectors.event_get(
        incident_ids=Incident.objects.filter(pk=incident.pk).values("pk"),
        pk=pk,
        include_deleted=is_admin(request.user),
    )
    if event is None:
        raise Http404("No such timeline entry.")
    return event


def _refuse_read_only_event(event: TimelineEvent) -> None:
    # Only the pin of a system entry may change (timeline.services); the pin has its own button.
    if timeline_services.read_only_fields(event) >= EDIT_FORM_FIELDS:
        raise PermissionDenied(
            "Hindsight wrote this entry from a change to the incident: it can be pinned, not edited."
        )


def _event_url(incident: Incident, event: TimelineEvent) -> str:
    return f"{incident.get_absolute_url()}#event-{event.pk}"


class TimelineQuery(forms.Form):
    before = RowIdField(required=False)


@login_required
@require_GET
def timeline_window(request: HttpRequest, reference: str) -> HttpResponse:
    """Return entries before `?before=<id>` (the "Show earlier entries" link), or the latest window."""
    incident = incident_or_404(request, reference)
    before_id = query_values(request, TimelineQuery)["before"]
    before = _event_or_404(request, incident, before_id) if before_id else None
    context = timeline_context(request, incident, before=before)
    if is_htmx(request) and before is not None:
        return render(request, "timeline/_timeline_earlier.html", context)
    if is_htmx(request):
        response = render(request, "timeline/_timeline.html", {**context, "quick_add_form": QuickAddForm()})
        if "filter" in request.GET:
            # The filter form asked: the address bar shows the incident page with these filters,
            # which is the link to share (it opens the page filtered the same way).
            query = context["filter_query"]
            response["HX-Push-Url"] = incident.get_absolute_url() + (f"?{query}" if query else "")
        return response
    return render(request, "timeline/timeline_page.html", context)


@login_required
@require_POST
def timeline_add(request: HttpRequest, reference: str) -> HttpResponse:
    """The quick-add box: `when` is read in the user's timezone (14:05, -10m, yesterday 23:50, …)."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    form = QuickAddForm(request.POST)
    event = None
    if form.is_valid():
        try:
            event = timeline_services.timeline_event_add(
                incident=incident,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                occurred_at=form.cleaned_data["when"],
                source=EventSource.WEB,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"occurred_at": "when"})
    prompt = detection_prompt(request.user, incident, event)
    if event is not None and not is_htmx(request):
        if prompt is not None:
            # The incident page shows the same offer to move detected_at (no JavaScript needed).
            return redirect(f"{incident.get_absolute_url()}?detected_from={event.pk}#timeline")
        return redirect(_event_url(incident, event))
    if is_htmx(request):
        # A fresh box after a save; the same box with its messages after an error.
        context = timeline_context(request, incident)
        next_form = QuickAddForm(initial={"kind": form.cleaned_data.get("kind", "note")}) if event else form
        next_form.fields["body"].widget.attrs["autofocus"] = True
        context.update(quick_add_form=next_form, just_added=event, detection_prompt=prompt)
        return render(request, "timeline/_timeline.html", context, status=200 if event else INVALID)
    return render(
        request,
        "incidents/incident_detail.html",
        detail_context(request, incident, quick_add_form=form),
        status=INVALID,
    )


def _row(
    request: HttpRequest, incident: Incident, event: TimelineEvent, *, status: int = 200
) -> HttpResponse:
    """The updated row, plus the pinned-entries box out of band (a pin or an edit may change it)."""
    context = {
        "incident": incident,
        "event": decorate([event])[0],
        "timeline_url": reverse("incident-timeline", args=[incident.reference]),
        "can_edit": can_edit_incident(request.user, incident),
        "show_deleted": is_admin(request.user),
        "key_events": list(timeline_selectors.key_events(incident=incident)[:KEY_EVENTS_SHOWN]),
        "oob": True,
    }
    return render(request, "timeline/_event_row_response.html", context, status=status)


@login_required
@require_GET
def event_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(request, reference)
    event = _event_or_404(request, incident, pk)
    if is_htmx(request):
        return _row(request, incident, event)
    return redirect(_event_url(incident, event))


@login_required
@require_POST
def event_pin(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Pin (is_key=1) or unpin (is_key=0) an entry; pinned ones form the postmortem's short timeline."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    event = _event_or_404(request, incident, pk)
    if event.is_deleted:
        raise Http404("This entry was deleted.")
    timeline_services.timeline_event_update(
        event=event, actor=request.user, data={"is_key": request.POST.get("is_key") == "1"}
    )
    if is_htmx(request):
        return _row(request, incident, event)
    return redirect(_event_url(incident, event))


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    event = _event_or_404(request, incident, pk)
    if event.is_deleted:
        raise Http404("This entry was deleted.")
    _refuse_read_only_event(event)

    initial = {
        "when": timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
        "kind": event.kind,
        "body": event.body,
    }
    form = EventEditForm(request.POST or None, initial=initial, auto_id=f"event{event.pk}_%s")
    if "body" in timeline_services.read_only_fields(event):
        form.fields["body"].disabled = True  # a webhook entry's text is what the alert said
        form.fields["body"].help_text = "What the alert said; it cannot be edited."
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            data: dict[str, Any] = {"kind": form.cleaned_data["kind"], "body": form.cleaned_data["body"]}
            if "when" in form.changed_data:
                data["occurred_at"] = form.cleaned_data["when"]
            try:
                timeline_services.timeline_event_update(event=event, actor=request.user, data=data)
            except PermissionDenied as error:
                form.add_error(None, str(error))
                status = 403
            except ValidationError as error:
                add_service_errors(form, error, {"occurred_at": "when"})
            else:
                if is_htmx(request):
                    return _row(request, incident, event)
                return redirect(_event_url(incident, event))
    context = {"incident": incident, "event": event, "form": form, "standalone": not is_htmx(request)}
    template = "timeline/_event_form.html" if is_htmx(request) else "timeline/event_edit.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def event_delete(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Soft-delete: gone for everyone but admins, who can restore it."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    event = _event_or_404(request, incident, pk)
    timeline_services.timeline_event_delete(event=event, actor=request.user)
    if is_htmx(request):
        if is_admin(request.user):
            return _row(request, incident, event)
        return render(
            request,
            "timeline/_key_events.html",
            {
                "incident": incident,
                "oob": True,
                "key_events": list(timeline_selectors.key_events(incident=incident)[:KEY_EVENTS_SHOWN]),
            },
        )
    return redirect(reverse("incident-detail", args=[incident.reference]) + "#timeline")


@login_required
@require_POST
def event_restore(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = incident_or_404(request, reference)
    if not is_admin(request.user):
        raise PermissionDenied("Only admins can restore deleted entries.")
    event = _event_or_404(request, incident, pk)
    timeline_services.timeline_event_restore(event=event, actor=request.user)
    if is_htmx(request):
        return _row(request, incident, event)
    return redirect(_event_url(incident, event))
