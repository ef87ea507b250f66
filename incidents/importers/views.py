"""The chat transcript review screen: paste → review each line (keep, key, kind) → save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from incidents.importers.chat import ChatLine, ReviewedLine, chat_lines_save, parse_transcript
from incidents.views.common import INVALID, add_service_errors, incident_or_404, require_edit
from timeline.choices import HUMAN_KINDS, EventKind

KIND_CHOICES = [(kind.value, kind.label) for kind in HUMAN_KINDS]


class TranscriptForm(forms.Form):
    transcript = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        max_length=500_000,
        help_text="A Slack export (JSON) or a plain log, one message a line: [14:05] dana: rolling back",
    )
    day = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a plain log: the date of its first line (in your timezone).",
    )


def _lines(form: TranscriptForm) -> list[ChatLine]:
    return parse_transcript(
        form.cleaned_data["transcript"],
        day=form.cleaned_data.get("day"),
        zone=timezone.get_current_timezone(),
    )


def _reviewed(request: HttpRequest, lines: list[ChatLine]) -> list[ReviewedLine]:
    return [
        ReviewedLine(
            line=line,
            keep=request.POST.get(f"keep_{index}") == "on",
            is_key=request.POST.get(f"key_{index}") == "on",
            kind=request.POST.get(f"kind_{index}", EventKind.NOTE),
        )
        for index, line in enumerate(lines)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def chat_import(request: HttpRequest, reference: str) -> HttpResponse:
    """Step one shows the paste box; "Review" parses it into lines; "Save" adds the kept ones."""
    incident = incident_or_404(request, reference)
    require_edit(request, incident)
    form = TranscriptForm(request.POST or None)
    context: dict[str, Any] = {"incident": incident, "form": form, "kinds": KIND_CHOICES, "tab": "overview"}
    if request.method != "POST":
        return render(request, "importers/chat_import.html", context)
    if not form.is_valid():
        return render(request, "importers/chat_import.html", context, status=INVALID)
    try:
        lines = _lines(form)
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, "importers/chat_import.html", context, status=INVALID)
    if request.POST.get("step") != "save":
        context.update(reviewing=True, lines=list(enumerate(lines)))
        return render(request, "importers/chat_import.html", context)
    reviewed = _reviewed(request, lines)
    try:
        added = chat_lines_save(incident=incident, actor=request.user, lines=reviewed)
    except ValidationError as error:
        add_service_errors(form, error)
        context.update(reviewing=True, lines=list(enumerate(lines)))
        return render(request, "importers/chat_import.html", context, status=INVALID)
    messages.success(request, f"Added {added} chat line{'s' if added != 1 else ''} to the timeline.")
    return redirect("incident-detail", reference=incident.reference)
