"""Admin → Imports → Run an import: upload, see the dry run, then import on a worker with progress."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from incidents.importers.jobs import IMPORT_JOB
from incidents.importers.management.commands.import_incidents import parse_map
from incidents.importers.registry import sources
from incidents.jobs import job_enqueue
from incidents.models import Job
from incidents.models.jobs import JobStatus
from incidents.permissions import is_admin

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    source = forms.ChoiceField(choices=[])
    export = forms.FileField(
        label="Export file", help_text="JSON (PagerDuty, Opsgenie, Jira) or CSV, up to 20 MB."
    )
    mapping = forms.CharField(
        required=False, label="CSV column map", help_text="FIELD=COLUMN, comma-separated: id=Key,title=Name"
    )
    timezone = forms.CharField(initial="UTC", help_text="CSV: the zone of times written without an offset.")
    private = forms.BooleanField(required=False, label="Make every imported incident private")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = sources()

    def clean_export(self) -> Any:
        upload = self.cleaned_data["export"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "Upload at most 20 MB at a time (split the export, or use the command)."
            )
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file is not UTF-8 text.") from error

    def clean_mapping(self) -> dict[str, str]:
        try:
            return parse_map([self.cleaned_data.get("mapping") or ""])
        except Exception as error:  # noqa: BLE001 — CommandError carries the message for people
            raise forms.ValidationError(str(error)) from error


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("Only admins run imports.")


def import_start(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """Upload an export; its dry run starts as a job, and the next page shows it."""
    _require_admin(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        filename, content = form.cleaned_data["export"]
        kwargs = {
            "run_id": str(uuid.uuid4()),
            "source": form.cleaned_data["source"],
            "filename": filename,
            "content": content,
            "mapping": form.cleaned_data["mapping"],
            "timezone": form.cleaned_data["timezone"] or "UTC",
            "private": form.cleaned_data["private"],
            "dry_run": True,
            "actor_id": request.user.pk,
        }
        with transaction.atomic():
            job = job_enqueue(name=IMPORT_JOB, kwargs=kwargs, actor=request.user)
        return redirect("admin:importers-run-job", job_id=job.pk)
    context = {**site.each_context(request), "title": "Run an import", "form": form}
    return TemplateResponse(
        request,
        "admin/importers/import_start.html",
        context,
        status=422 if form.is_bound else 200,
    )


def import_job(request: HttpRequest, site: AdminSite, job_id: uuid.UUID) -> HttpResponse:
    """The dry run's or the import's progress and report; after a dry run, the button to import."""
    _require_admin(request)
    job = Job.objects.filter(pk=job_id, name=IMPORT_JOB).first()
    if job is None:
        raise Http404("No such import.")
    if request.method == "POST":
        if job.status != JobStatus.SUCCEEDED or not job.kwargs.get("dry_run"):
            raise PermissionDenied("Only a finished dry run can be imported.")
        with transaction.atomic():
            real = job_enqueue(
                name=IMPORT_JOB,
                kwargs={**job.kwargs, "dry_run": False, "actor_id": request.user.pk},
                actor=request.user,
            )
        return redirect("admin:importers-run-job", job_id=real.pk)
    result = job.result if isinstance(job.result, dict) else {}
    context = {
        **site.each_context(request),
        "title": ("Dry run of " if job.kwargs.get("dry_run") else "Import of ")
        + str(job.kwargs.get("filename")),
        "job": job,
        "dry_run": bool(job.kwargs.get("dry_run")),
        "source": job.kwargs.get("source"),
        "result": result,
        "finished": job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        "rows": result.get("rows", []),
        "errors": result.get("errors", []),
    }
    return TemplateResponse(request, "admin/importers/import_job.html", context)
