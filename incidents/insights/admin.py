"""Admin for scheduled maintenance: the same checks as the service, and start/complete actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from incidents import selectors
from timeline.actors import actor_or_none, set_history_user

from . import maintenance as maintenance_services
from .models import Maintenance, MaintenanceState


class MaintenanceForm(forms.ModelForm):
    class Meta:
        model = Maintenance
        fields = ["title", "description", "services", "starts_at", "ends_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only services the status page lists: maintenance is public.
        services = self.fields["services"]
        if isinstance(services, forms.ModelMultipleChoiceField):
            services.queryset = selectors.services_visible_to(AnonymousUser())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors: dict[str, str] = {}
        if "starts_at" in data and "ends_at" in data:
            maintenance_services.check_window(errors, data["starts_at"], data["ends_at"])
        for field, message in errors.items():
            self.add_error(field, message)
        if data.get("services") is not None:
            try:
                maintenance_services.public_services_named(data["services"])
            except ValidationError as error:
                self.add_error("services", error.message_dict["services"])
        return data


@admin.register(Maintenance)
class MaintenanceAdmin(SimpleHistoryAdmin):
    form = MaintenanceForm
    list_display = ["title", "state", "starts_at", "ends_at", "completed_at"]
    search_fields = ["title"]
    readonly_fields = ["completed_at", "created_by", "created_at"]
    actions = ["start_now", "complete_now"]

    @admin.display(description="State")
    def state(self, obj: Maintenance) -> str:
        return MaintenanceState(obj.state_at(timezone.now())).label

    def save_model(self, request: HttpRequest, obj: Maintenance, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = actor_or_none(request.user)
        set_history_user(obj, request.user)
        super().save_model(request, obj, form, change)

    def _each(self, request: HttpRequest, queryset: QuerySet[Maintenance], write: Any, done: str) -> None:
        count = 0
        for maintenance in queryset:
            try:
                write(actor=request.user, maintenance=maintenance)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"{maintenance}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                    messages.ERROR,
                )
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} {done}.", messages.SUCCESS)

    @admin.action(description="Start the selected maintenance now")
    def start_now(self, request: HttpRequest, queryset: QuerySet[Maintenance]) -> None:
        self._each(request, queryset, maintenance_services.maintenance_start, "started")

    @admin.action(description="Mark the selected maintenance completed now")
    def complete_now(self, request: HttpRequest, queryset: QuerySet[Maintenance]) -> None:
        self._each(request, queryset, maintenance_services.maintenance_complete, "completed")
