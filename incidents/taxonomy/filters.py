"""The incident list's `type` filter (`?type=security`; `?type=none` for incidents without one)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

NONE = "none"


def _by_type(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
    slug = (value or "").strip()
    if not slug:
        return queryset
    if "\x00" in slug or len(slug) > 50:
        return queryset.none()  # no slug looks like that
    if slug == NONE:
        return queryset.filter(classification__isnull=True)
    return queryset.filter(classification__incident_type__slug=slug)


def type_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        method=_by_type,
        label="Type",
        help_text="An incident type's slug (GET /api/v1/incident-types/), or `none` for incidents "
        "without one.",
    )
