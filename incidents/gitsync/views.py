"""Resolving a Git conflict from the postmortem page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from incidents import selectors
from incidents.gitsync.models import Conflict
from incidents.gitsync.services import conflict_resolve


@login_required
@require_POST
def resolve(request: HttpRequest, reference: str, conflict_id: int) -> HttpResponse:
    """Take Git's version or keep Hindsight's (editors of the incident only)."""
    incident = selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    conflict = Conflict.objects.filter(pk=conflict_id, postmortem__incident=incident).first()
    if conflict is None:
        raise Http404("No such conflict.")
    try:
        conflict = conflict_resolve(
            conflict=conflict, actor=request.user, choice=request.POST.get("choice", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{conflict.get_status_display()}.")
    return redirect(reverse("postmortem-editor", args=[reference]) + "#git-sync")
