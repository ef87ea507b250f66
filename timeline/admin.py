from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from timeline.models import TimelineEvent
from timeline.services import timeline_event_restore


@admin.register(TimelineEvent)
class TimelineEventAdmin(SimpleHistoryAdmin):
    """Admins see soft-deleted events too, and can restore them."""

    list_display = ["incident", "occurred_at", "kind", "source", "is_key", "deleted_at"]
    list_filter = ["kind", "source", "is_key", ("deleted_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["incident", "author", "deleted_by"]
    actions = ["restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        return TimelineEvent.all_objects.select_related("incident")

    @admin.action(description="Restore selected deleted events")
    def restore(self, request: HttpRequest, queryset: QuerySet[TimelineEvent]) -> None:
        for event in queryset.filter(deleted_at__isnull=False):
            timeline_event_restore(event=event, actor=request.user)
