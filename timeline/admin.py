from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from timeline.choices import EventSource
from timeline.models import TimelineEvent
from timeline.services import check_editable, read_only_fields, timeline_event_restore


@admin.register(TimelineEvent)
class TimelineEventAdmin(SimpleHistoryAdmin):
    """Admins see soft-deleted events too, and can restore them.

    What Hindsight wrote (`system`) and what an alert said (a `webhook` entry's body) is read-only
    here as everywhere (timeline.services): a system entry can only be pinned, and not deleted.
    """

    list_display = ["incident", "occurred_at", "kind", "source", "is_key", "deleted_at"]
    list_filter = ["kind", "source", "is_key", ("deleted_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["incident", "author", "deleted_by"]
    actions = ["restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        return TimelineEvent.all_objects.select_related("incident")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Who wrote an entry never changes: relabelling one `system` would forge the record.
            locked = read_only_fields(obj) | {"source"}
            fields += [f.name for f in TimelineEvent._meta.fields if f.editable and f.name in locked]
        return fields

    def save_model(self, request: HttpRequest, obj: TimelineEvent, form: ModelForm, change: bool) -> None:
        if change:
            # Read-only fields never reach the form; this also holds if a form is ever widened.
            saved = TimelineEvent.all_objects.get(pk=obj.pk)
            check_editable(saved, {name: getattr(obj, name) for name in form.changed_data})
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.source == EventSource.SYSTEM:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # A bulk delete would erase system entries for good; entries are deleted one at a time
        # (or soft-deleted in the app, where admins can restore them).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Restore selected deleted events")
    def restore(self, request: HttpRequest, queryset: QuerySet[TimelineEvent]) -> None:
        for event in queryset.filter(deleted_at__isnull=False):
            timeline_event_restore(event=event, actor=request.user)
