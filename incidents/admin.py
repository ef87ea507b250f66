from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import (
    AlertSource,
    ApiToken,
    Cause,
    Counter,
    Incident,
    IncidentRoleKind,
    Job,
    Profile,
    RemediationAction,
    Service,
    StatusUpdate,
)
from incidents.services import action_restore, cause_restore
from incidents.services.alert_sources import alert_source_token_issue
from timeline.actors import Actor


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "public", "created_at"]
    list_filter = ["public"]
    list_editable = ["public"]
    search_fields = ["name"]


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "severity", "status", "private", "started_at", "commander"]
    list_filter = ["severity", "status", "private", "false_alarm"]
    search_fields = ["reference", "title"]
    raw_id_fields = ["commander", "reporter", "duplicate_of"]
    filter_horizontal = ["services", "participants"]
    readonly_fields = ["number", "reference", "version"]


@admin.register(IncidentRoleKind)
class IncidentRoleKindAdmin(admin.ModelAdmin):
    """The roles offered in every incident's header besides the commander (which is built in)."""

    list_display = ["name", "key", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A kind someone has held stays in those incidents' records: turn it off instead.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.holders.exists())


class SoftDeletedAdmin(SimpleHistoryAdmin):
    """Lists deleted rows too (filter "deleted at"), with an action to restore them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model.all_objects.select_related("incident")

    @admin.action(description="Restore selected deleted rows")
    def restore(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset.filter(deleted_at__isnull=False):
            self.restore_row(row, actor=request.user)

    def restore_row(self, row: Any, *, actor: Actor) -> None:
        raise NotImplementedError


@admin.register(Cause)
class CauseAdmin(SoftDeletedAdmin):
    list_display = ["incident", "category", "role", "status", "deleted_at"]
    list_filter = ["category", "role", "status", ("deleted_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["incident", "deleted_by"]
    filter_horizontal = ["evidence"]
    actions = ["restore"]

    def restore_row(self, row: Cause, *, actor: Actor) -> None:
        cause_restore(cause=row, actor=actor)


@admin.register(RemediationAction)
class RemediationActionAdmin(SoftDeletedAdmin):
    list_display = ["title", "incident", "owner", "priority", "due_date", "status", "deleted_at"]
    list_filter = ["status", "priority", "kind", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title"]
    raw_id_fields = ["incident", "owner", "deleted_by"]
    actions = ["restore"]

    def restore_row(self, row: RemediationAction, *, actor: Actor) -> None:
        action_restore(action=row, actor=actor)


@admin.register(StatusUpdate)
class StatusUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["incident", "audience", "status", "service_state", "posted_at"]
    list_filter = ["audience"]
    raw_id_fields = ["incident", "event"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "timezone", "quiet_hours_start", "quiet_hours_end", "quiet_weekends"]
    exclude = ["calendar_token"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "is_integration", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "incident", "created_at", "finished_at", "attempts"]
    list_filter = ["status", "name"]
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    """Generic JSON webhooks. Expressions are checked on save (a bad one is a form error)."""

    list_display = ["name", "slug", "enabled", "token_prefix", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["token_prefix", "created_at"]
    actions = ["issue_token"]

    def save_model(self, request: HttpRequest, obj: AlertSource, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not obj.token_hash:
            self._show_token(request, obj)

    @admin.action(description="Issue a new token (the old one stops working)")
    def issue_token(self, request: HttpRequest, queryset: QuerySet[AlertSource]) -> None:
        for source in queryset:
            self._show_token(request, source)

    def _show_token(self, request: HttpRequest, source: AlertSource) -> None:
        token = alert_source_token_issue(source=source)
        messages.warning(request, f"Token for {source.slug}, shown this once — copy it now: {token}")


admin.site.register(Counter)
