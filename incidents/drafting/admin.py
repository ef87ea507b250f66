from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from incidents.drafting.models import SectionDraft


@admin.register(SectionDraft)
class SectionDraftAdmin(admin.ModelAdmin):
    """Read-only: drafts are written by the model's job and decided in the postmortem editor."""

    list_display = ("id", "postmortem", "section_key", "status", "model_name", "attempts", "created_at")
    list_filter = ("status", "section_key")
    readonly_fields = [field.name for field in SectionDraft._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
