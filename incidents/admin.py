from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import (
    ApiToken,
    Cause,
    Counter,
    Incident,
    Job,
    Profile,
    RemediationAction,
    Service,
    StatusUpdate,
)


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


@admin.register(Cause)
class CauseAdmin(SimpleHistoryAdmin):
    list_display = ["incident", "category", "role", "status"]
    list_filter = ["category", "role", "status"]
    raw_id_fields = ["incident"]
    filter_horizontal = ["evidence"]


@admin.register(RemediationAction)
class RemediationActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "incident", "owner", "priority", "due_date", "status"]
    list_filter = ["status", "priority", "kind"]
    search_fields = ["title"]
    raw_id_fields = ["incident", "owner"]


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


admin.site.register(Counter)
