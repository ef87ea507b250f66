"""The History tab: the audit trail of an incident and everything in it (incidents.audit)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.audit import incident_audit
from incidents.query import BoundedDateTimeField, query_values
from incidents.views.common import incident_or_404, is_htmx


class HistoryQuery(forms.Form):
    before = BoundedDateTimeField(required=False)


@login_required
def incident_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The History tab: who changed what, when, with each field's value before and after."""
    incident = incident_or_404(request, reference)
    before = query_values(request, HistoryQuery)["before"]
    page = incident_audit(user=request.user, incident=incident, before=before)
    context = {"incident": incident, "entries": page.entries, "cursor": page.cursor}
    if is_htmx(request):
        return render(request, "incidents/_history_entries.html", context)
    return render(request, "incidents/incident_history.html", context)
