"""The editor's side of AI drafts: ask (htmx or a plain form), poll the section's panel, decide."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from incidents import selectors as core_selectors
from incidents.drafting import selectors, services
from incidents.drafting.choices import DRAFTABLE_SECTIONS
from incidents.drafting.models import SectionDraft
from incidents.drafting.panel import section_panel
from incidents.permissions import can_edit_incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import MAX_SECTION_LENGTH, postmortem_ensure
from incidents.views.common import is_htmx


class DraftRequestForm(forms.Form):
    section = forms.ChoiceField(choices=[(key, key) for key in DRAFTABLE_SECTIONS])


class AcceptForm(forms.Form):
    text = forms.CharField(required=False, max_length=MAX_SECTION_LENGTH, strip=False)


def _postmortem(request: HttpRequest, reference: str) -> Postmortem:
    incident = core_selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    return postmortem_ensure(incident=incident)


def _editor_url(postmortem: Postmortem, key: str) -> str:
    return reverse("postmortem-editor", args=[postmortem.incident.reference]) + f"#section-{key}"


def _errors(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _panel(request: HttpRequest, postmortem: Postmortem, key: str, error: str = "") -> HttpResponse:
    panel = section_panel(user=request.user, postmortem=postmortem, section_key=key)
    if panel is None:
        raise Http404("A model does not draft this section.")
    context = {
        "panel": panel,
        "incident": postmortem.incident,
        "postmortem": postmortem,
        "can_edit": can_edit_incident(request.user, postmortem.incident),
        "error": error,
    }
    return render(request, "drafting/_drafts.html", context)


@login_required
@require_POST
def draft_request(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    if not can_edit_incident(request.user, postmortem.incident):
        raise PermissionDenied("You may not change this incident.")
    form = DraftRequestForm(request.POST)
    if not form.is_valid():
        raise BadRequest(f"Choose a section a model drafts: {', '.join(DRAFTABLE_SECTIONS)}.")
    key = form.cleaned_data["section"]
    error = ""
    try:
        services.draft_request(postmortem=postmortem, section_key=key, actor=request.user)
    except services.DraftingOff as off:
        raise Http404(str(off)) from off
    except ValidationError as invalid:
        error = _errors(invalid)
    if is_htmx(request):
        return _panel(request, postmortem, key, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, "Drafting… the suggestion appears under the section when the model is done."
        )
    return redirect(_editor_url(postmortem, key))


@login_required
@require_GET
def section_drafts(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    """The section's panel alone: htmx polls it while a draft is being written."""
    return _panel(request, _postmortem(request, reference), key)


def _draft(request: HttpRequest, postmortem: Postmortem, pk: int) -> SectionDraft:
    draft = selectors.draft_get(user=request.user, postmortem=postmortem, pk=pk)
    if draft is None:
        raise Http404("No such draft.")
    return draft


@login_required
@require_POST
def draft_accept(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    draft = _draft(request, postmortem, pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The draft could not be accepted: " + form.errors.as_text())
        return redirect(_editor_url(postmortem, draft.section_key))
    text = form.cleaned_data["text"]
    try:
        services.draft_accept(draft=draft, actor=request.user, text=text if text.strip() else None)
    except ValidationError as invalid:
        messages.error(request, _errors(invalid))
    else:
        messages.success(request, "Draft accepted: the section now holds it (a new revision).")
    return redirect(_editor_url(postmortem, draft.section_key))


@login_required
@require_POST
def draft_dismiss(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    draft = _draft(request, postmortem, pk)
    try:
        services.draft_dismiss(draft=draft, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, _errors(invalid))
    else:
        messages.success(request, "Draft dismissed; the section is unchanged.")
    return redirect(_editor_url(postmortem, draft.section_key))
