"""Admin: what imports made, and the placeholder people an admin merges into real accounts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from incidents.importers.models import ImportedRecord, PlaceholderPerson
from incidents.importers.people import placeholder_merge


@admin.register(ImportedRecord)
class ImportedRecordAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "external_id", "incident", "imported_at", "updated_at"]
    list_filter = ["source", "kind"]
    search_fields = ["external_id", "incident__reference", "incident__title"]
    raw_id_fields = ["incident", "imported_by"]
    readonly_fields = ["fingerprint", "imported_at", "updated_at"]
    change_list_template = "admin/importers/importedrecord_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        from incidents.importers import admin_views

        site = self.admin_site
        return [
            path(
                "run/",
                site.admin_view(lambda request: admin_views.import_start(request, site)),
                name="importers-run",
            ),
            path(
                "run/<uuid:job_id>/",
                site.admin_view(lambda request, job_id: admin_views.import_job(request, site, job_id)),
                name="importers-run-job",
            ),
            *super().get_urls(),
        ]


@admin.register(PlaceholderPerson)
class PlaceholderPersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "source", "external_id", "user", "merged_into", "merged_at"]
    list_filter = ["source", "merged_at"]
    search_fields = ["name", "email", "external_id", "user__username"]
    raw_id_fields = ["user", "merged_into"]
    readonly_fields = ["merged_at", "created_at"]
    actions = ["merge_into_user"]

    @admin.action(description="Merge into a real user…")
    def merge_into_user(
        self, request: HttpRequest, queryset: QuerySet[PlaceholderPerson]
    ) -> HttpResponse | None:
        """Ask for the real user's username, then give each placeholder's rows to them."""
        username = (request.POST.get("into") or "").strip()
        if request.POST.get("confirm") and username:
            into = get_user_model().objects.filter(username=username, is_active=True).first()
            if into is None:
                self.message_user(request, f"No active user called {username!r}.", messages.ERROR)
                return None
            moved = sum(
                placeholder_merge(placeholder=placeholder, into=into, actor=request.user)
                for placeholder in queryset
                if placeholder.user_id != into.pk
            )
            self.message_user(
                request, f"Merged {queryset.count()} placeholder(s) into {username}; {moved} rows moved."
            )
            return None
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Merge placeholders into a real user",
            "placeholders": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/importers/merge_placeholders.html", context)
