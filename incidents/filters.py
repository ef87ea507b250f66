"""FilterSets shared by the UI lists and the API viewsets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from incidents.choices import ActionStatus, Severity, Status
from incidents.models import Incident, RemediationAction


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC: PostgreSQL refuses offsets beyond ±15:59, and a time
    near year 1 or 9999 with an offset overflows, so both are a form error rather than a 500."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise ValidationError("Give a time between years 1 and 9999.", code="invalid") from error


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IncidentFilterSet(django_filters.FilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    service = django_filters.CharFilter(method="filter_service", label="Service")
    q = django_filters.CharFilter(method="filter_q", label="Search")
    started_after = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lte")

    class Meta:
        model = Incident
        fields = ["severity", "status", "service", "q", "started_after", "started_before"]

    def filter_service(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        if not value:
            return queryset
        return queryset.filter(services__name__iexact=value.strip()).distinct()

    def filter_q(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(title__icontains=value)
            | Q(reference__iexact=value)
            | Q(summary__icontains=value)
            | Q(impact__icontains=value)
        )
        return queryset.filter(condition)


def register_incident_filter(name: str, filter_: django_filters.Filter) -> None:
    """Add a filter a sub-app owns (e.g. `type`) to the incident list, in the UI and the API.

    Called from the sub-app's `AppConfig.ready`: the filter joins the FilterSet's declared filters,
    so every list (page, API, schema) built from IncidentFilterSet takes it. Its field in the page's
    form is a panel in the `incident_filters` slot.
    """
    if name in IncidentFilterSet.base_filters:
        return
    filter_.field_name = filter_.field_name or name
    IncidentFilterSet.base_filters[name] = filter_


class ActionFilterSet(django_filters.FilterSet):
    owner = django_filters.CharFilter(method="filter_owner", label="Owner (username)")
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    incident = django_filters.CharFilter(field_name="incident__reference", lookup_expr="iexact")

    class Meta:
        model = RemediationAction
        fields = ["owner", "status", "overdue", "incident"]

    def filter_owner(
        self, queryset: QuerySet[RemediationAction], name: str, value: str
    ) -> QuerySet[RemediationAction]:
        if not value:
            return queryset
        User = get_user_model()
        return queryset.filter(owner__in=User.objects.filter(username=value.strip()))

    def filter_overdue(
        self, queryset: QuerySet[RemediationAction], name: str, value: Any
    ) -> QuerySet[RemediationAction]:
        if value is None:
            return queryset
        overdue = Q(status__in=["open", "in_progress"], due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
