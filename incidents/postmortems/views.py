"""The postmortem editor, its htmx partials, the reading page and the downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from incidents import selectors
from incidents.exceptions import ConflictError
from incidents.markdown import render_markdown
from incidents.models import Incident, Job
from incidents.models.jobs import JobStatus
from incidents.permissions import can_edit_incident
from incidents.postmortems import selectors as pm_selectors
from incidents.postmortems import services
from incidents.postmortems.exports import EXPORT_FORMATS, export_response
from incidents.postmortems.forms import CommentForm, DiffForm, FlagDismissForm, PreviewForm, SectionForm
from incidents.postmortems.models import Postmortem, Section
from incidents.views.common import is_htmx

RECENT_REVISIONS = 30


def _incident(request: HttpRequest, reference: str) -> Incident:
    incident = selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    return incident


def _postmortem(request: HttpRequest, reference: str) -> Postmortem:
    return services.postmortem_ensure(incident=_incident(request, reference))


def _incident_url(incident: Incident) -> str | None:
    # The incident page belongs to the incidents UI; until it exists there is nothing to link.
    try:
        return incident.get_absolute_url()
    except NoReverseMatch:
        return None


def _editor_url(postmortem: Postmortem, key: str | None = None) -> str:
    url = reverse("postmortem-editor", args=[postmortem.incident.reference])
    return f"{url}#section-{key}" if key else url


def section_html(section: Section) -> SafeString:
    """Rendered Markdown of a section, cached by content: a long appendix is slow to render."""
    digest = hashlib.sha256(section.body.encode()).hexdigest()
    key = f"postmortem-section-html:{digest}"
    html = cache.get(key)
    if html is None:
        html = str(render_markdown(section.body))
        cache.set(key, html, 24 * 3600)
    return SafeString(html)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(message) for messages_ in error.message_dict.values() for message in messages_)
    return " ".join(error.messages)


def _active_job(incident: Incident) -> Job | None:
    return (
        Job.objects.filter(
            incident=incident,
            name=services.GENERATE_JOB,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )


@login_required
@require_GET
def editor(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    incident = postmortem.incident
    can_edit = can_edit_incident(request.user, incident)
    read_only = postmortem.is_published or not can_edit
    section_rows = list(pm_selectors.section_list(postmortem=postmortem))
    # Blame-language flags are for writers: not shown on a read-only document.
    flags = {} if read_only else pm_selectors.section_flags(sections=section_rows)
    sections = [
        {
            "section": section,
            "html": section_html(section),
            "form": SectionForm(initial={"body": section.body}),
            "flags": flags.get(section.pk, []),
        }
        for section in section_rows
    ]
    reviewers = list(postmortem.reviewers.order_by("username"))
    named = {user.pk for user in reviewers}
    may_review = can_edit and (request.user.pk in named or not named)
    approval_refusal = (
        services.approval_refusal(postmortem=postmortem, user=request.user)
        if may_review and postmortem.status == "in_review"
        else None
    )
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return render(
        request,
        "postmortems/editor.html",
        {
            "incident": incident,
            "incident_url": _incident_url(incident),
            "postmortem": postmortem,
            "sections": sections,
            "can_edit": can_edit,
            "read_only": read_only,
            "may_review": may_review,
            "approval_refusal": approval_refusal,
            "reviewers": reviewers,
            "reviewer_ids": named,
            "users": users,
            "reviews": postmortem.reviews.select_related("reviewer")[:20],
            "revisions": pm_selectors.revision_list(postmortem=postmortem)[:RECENT_REVISIONS],
            "missing": services.missing_sections(postmortem),
            "job": _active_job(incident),
            "comment_form": CommentForm(),
            "export_formats": EXPORT_FORMATS,
        },
    )


def _guard(
    request: HttpRequest, postmortem: Postmortem, action: Any, *, success: str, key: str | None = None
) -> HttpResponse:
    """Run a service call; show what went wrong as a message rather than an error page."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except ConflictError as error:
        messages.error(request, f"{error} Someone saved it after you opened the page: reapply your change.")
    else:
        messages.success(request, success)
    return redirect(_editor_url(postmortem, key))


@login_required
@require_POST
def section_save(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    section = postmortem.sections.filter(key=key).first()
    if section is None:
        raise Http404("No such section.")
    form = SectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The section could not be saved: " + form.errors.as_text())
        return redirect(_editor_url(postmortem, key))
    return _guard(
        request,
        postmortem,
        lambda: services.section_update(
            postmortem=postmortem,
            key=key,
            actor=request.user,
            body=form.cleaned_data["body"],
            expected_version=form.cleaned_data["version"],
        ),
        success=f"{section.title} saved.",
        key=key,
    )


@login_required
@require_POST
def section_flag_dismiss(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    """Hide one writing-check flag on a section (the words stay as they are)."""
    postmortem = _postmortem(request, reference)
    if not postmortem.sections.filter(key=key).exists():
        raise Http404("No such section.")
    form = FlagDismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The flag could not be dismissed: " + form.errors.as_text())
        return redirect(_editor_url(postmortem, key))
    return _guard(
        request,
        postmortem,
        lambda: services.section_flag_dismiss(
            postmortem=postmortem, key=key, actor=request.user, **form.cleaned_data
        ),
        success="Flag dismissed.",
        key=key,
    )


@login_required
@require_POST
def section_preview(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    _incident(request, reference)
    form = PreviewForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    return render(request, "postmortems/_preview.html", {"html": render_markdown(body)})


def _section_decision(
    request: HttpRequest, reference: str, key: str, *, service: Any, success: str
) -> HttpResponse:
    """Apply the author's choice on a stale section (`service` is section_refresh or section_keep)."""
    postmortem = _postmortem(request, reference)
    if not postmortem.sections.filter(key=key).exists():
        raise Http404("No such section.")
    return _guard(
        request,
        postmortem,
        lambda: service(postmortem=postmortem, key=key, actor=request.user),
        success=success,
        key=key,
    )


@login_required
@require_POST
def section_refresh(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    return _section_decision(
        request, reference, key, service=services.section_refresh, success="Section rebuilt from the record."
    )


@login_required
@require_POST
def section_keep(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    return _section_decision(
        request, reference, key, service=services.section_keep, success="Kept your version."
    )


@login_required
@require_POST
def generate(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    try:
        job = services.postmortem_generate_request(
            incident=postmortem.incident, actor=request.user, reason="requested in the editor"
        )
    except ValidationError as error:
        if is_htmx(request):
            return render(
                request, "postmortems/_job.html", {"postmortem": postmortem, "error": _error_text(error)}
            )
        messages.error(request, _error_text(error))
        return redirect(_editor_url(postmortem))
    if is_htmx(request):
        return render(request, "postmortems/_job.html", {"postmortem": postmortem, "job": job})
    messages.success(request, "Generation queued.")
    return redirect(_editor_url(postmortem))


@login_required
@require_GET
def job_status(request: HttpRequest, reference: str, job_id: UUID) -> HttpResponse:
    incident = _incident(request, reference)
    job = Job.objects.filter(pk=job_id, incident=incident).first()
    if job is None:
        raise Http404("No such job.")
    response = render(
        request, "postmortems/_job.html", {"postmortem": None, "job": job, "incident": incident}
    )
    unchanged = isinstance(job.result, dict) and job.result.get("changed") is False
    if job.status == JobStatus.SUCCEEDED and is_htmx(request) and not unchanged:
        # The document changed under the page: reload it to show the new draft. (When nothing
        # changed, the message says so and the page stays as it is.)
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def reviewers(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    names = request.POST.getlist("reviewers")
    return _guard(
        request,
        postmortem,
        lambda: services.reviewers_set(postmortem=postmortem, actor=request.user, reviewers=names),
        success="Reviewers saved.",
    )


def _comment(request: HttpRequest) -> str:
    form = CommentForm(request.POST)
    return form.cleaned_data["comment"] if form.is_valid() else ""


def _public(request: HttpRequest) -> bool:
    return request.POST.get("public") == "on"


# What each form field of a review step is read as.
STEP_INPUTS: dict[str, Callable[[HttpRequest], Any]] = {"comment": _comment, "public": _public}


@dataclass(frozen=True)
class ReviewStep:
    """One button of the review workflow: the service that takes the step, what it reads from the
    form, and what the editor says once it is done. The service refuses a step the postmortem's
    status does not allow (a ValidationError, shown as a message)."""

    service: Callable[..., Postmortem]
    success: str
    inputs: tuple[str, ...] = ()


# The postmortem's lifecycle as the editor's buttons walk it (PRODUCT.md: draft -> in review ->
# approved -> published, back to draft on changes requested or reopen). urls.py gives each its URL.
REVIEW_STEPS: dict[str, ReviewStep] = {
    "submit": ReviewStep(services.postmortem_submit, "Sent for review."),
    "approve": ReviewStep(services.postmortem_approve, "Approved.", inputs=("comment",)),
    "request-changes": ReviewStep(
        services.postmortem_request_changes,
        "Changes requested; the postmortem is a draft again.",
        inputs=("comment",),
    ),
    "publish": ReviewStep(services.postmortem_publish, "Published.", inputs=("public",)),
    "reopen": ReviewStep(services.postmortem_reopen, "Reopened as a draft."),
}


@login_required
@require_POST
def review_step(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    """Take one step of the review workflow (submit, approve, request changes, publish, reopen)."""
    review = REVIEW_STEPS[step]
    postmortem = _postmortem(request, reference)
    inputs = {name: STEP_INPUTS[name](request) for name in review.inputs}
    return _guard(
        request,
        postmortem,
        lambda: review.service(postmortem=postmortem, actor=request.user, **inputs),
        success=review.success,
    )


@login_required
@require_GET
def diff(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    form = DiffForm(request.GET)
    lines: list[str] = []
    old = new = None
    if form.is_valid():
        old = pm_selectors.revision_get(postmortem=postmortem, number=form.cleaned_data["old"])
        new = pm_selectors.revision_get(postmortem=postmortem, number=form.cleaned_data["new"])
        if old is None or new is None:
            raise Http404("No such revision.")
        lines = pm_selectors.revision_diff(old=old, new=new)
    rows = [
        {
            "text": line,
            "kind": "add"
            if line.startswith("+")
            else "del"
            if line.startswith("-")
            else "hunk"
            if line.startswith("@@")
            else "",
        }
        for line in lines
    ]
    return render(
        request,
        "postmortems/diff.html",
        {
            "incident": postmortem.incident,
            "postmortem": postmortem,
            "form": form,
            "old": old,
            "new": new,
            "rows": rows,
            "revisions": pm_selectors.revision_list(postmortem=postmortem),
        },
    )


@login_required
@require_GET
def read(request: HttpRequest, reference: str) -> HttpResponse:
    postmortem = _postmortem(request, reference)
    if not postmortem.is_published:
        return redirect(_editor_url(postmortem))
    sections = [
        {"section": section, "html": section_html(section)}
        for section in pm_selectors.section_list(postmortem=postmortem)
        if not section.is_empty
    ]
    return render(
        request,
        "postmortems/read.html",
        {
            "incident": postmortem.incident,
            "incident_url": _incident_url(postmortem.incident),
            "postmortem": postmortem,
            "sections": sections,
        },
    )


@login_required
@require_GET
def export(request: HttpRequest, reference: str) -> HttpResponse:
    export_format = request.GET.get("format", "md")
    if export_format not in EXPORT_FORMATS:
        raise Http404("Unknown export format.")
    postmortem = _postmortem(request, reference)
    return export_response(postmortem, postmortem.incident, export_format)
