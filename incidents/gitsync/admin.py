"""The sync log, states and conflicts, read-only for admins (the log is the delivery record)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from incidents.gitsync.models import Conflict, SyncLog, SyncState


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "outcome", "incident", "commit", "message")
    list_filter = ("action", "outcome")
    search_fields = ("incident__reference", "commit", "message")
    date_hierarchy = "created_at"


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ("postmortem", "path", "commit", "revision_number", "pushed_at", "pulled_at")


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("postmortem", "kind", "status", "commit", "git_authors", "created_at", "resolved_by")
    list_filter = ("kind", "status")
