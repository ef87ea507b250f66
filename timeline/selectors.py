"""Reads of the timeline. Callers pass an incident they have already checked the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet

from timeline.models import TimelineEvent, TimelineEventQuerySet


def timeline_for_incident(*, incident: Any, kinds: list[str] | None = None) -> TimelineEventQuerySet:
    """Return the incident's visible events in order: occurred_at, then recorded_at.

    Read through the incident's related manager, so each event knows its incident without a query.
    """
    qs: TimelineEventQuerySet = incident.events.select_related("author").chronological()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


def key_events(*, incident: Any) -> QuerySet[TimelineEvent]:
    """Return the pinned events in order: the postmortem's short timeline."""
    return TimelineEvent.objects.filter(incident=incident).key().chronological()


def deleted_events(*, incident: Any) -> QuerySet[TimelineEvent]:
    """Return soft-deleted events, for admins to review and restore."""
    return (
        TimelineEvent.all_objects.filter(incident=incident, deleted_at__isnull=False)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at")
    )


def event_get(*, incident_ids: QuerySet[Any], pk: int, include_deleted: bool = False) -> TimelineEvent | None:
    """Return one event if it belongs to one of `incident_ids` (a queryset of visible incident ids)."""
    manager = TimelineEvent.all_objects if include_deleted else TimelineEvent.objects
    return manager.filter(pk=pk, incident_id__in=incident_ids).select_related("incident", "author").first()


def last_activity_at(*, incident: Any) -> Any:
    """Return when anything was last written in the incident's timeline, or None."""
    return (
        TimelineEvent.objects.filter(incident=incident)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
        .first()
    )


def latest_recorded_at(*, incident: Any) -> QuerySet[Any]:
    """Return a one-value queryset: when the incident's latest visible entry was recorded.

    Give `OuterRef("pk")` as the incident to use it as a subquery over many incidents.
    """
    return (
        TimelineEvent.objects.filter(incident=incident)
        .order_by()
        .values("incident")
        .annotate(latest=Max("recorded_at"))
        .values("latest")
    )


@dataclass(frozen=True)
class TimelineFilters:
    """What a reader narrows the timeline to: a kind, key entries, an author or a source, some text."""

    kind: str = ""
    key_only: bool = False
    author: str = ""  # a username
    source: str = ""
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.kind or self.key_only or self.author or self.source or self.text)

    def apply(self, qs: TimelineEventQuerySet) -> TimelineEventQuerySet:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.key_only:
            qs = qs.filter(is_key=True)
        if self.author:
            qs = qs.filter(author__in=get_user_model()._default_manager.filter(username=self.author))
        if self.source:
            qs = qs.filter(source=self.source)
        if self.text:
            qs = qs.filter(body__icontains=self.text)
        return qs


def authors(*, incident: Any) -> QuerySet[Any]:
    """The people who wrote entries in the incident's timeline, by name."""
    return (
        get_user_model()
        ._default_manager.filter(timeline_events__incident=incident)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def timeline_window(
    *,
    incident: Any,
    before: TimelineEvent | None = None,
    limit: int = 200,
    include_deleted: bool = False,
    filters: TimelineFilters | None = None,
) -> tuple[list[TimelineEvent], bool]:
    """Return up to `limit` events just before `before` (or the latest), in order, and whether more exist.
    Each has its author loaded.

    Keyset pagination on (occurred_at, recorded_at, id) through the incident index, so an incident
    with tens of thousands of entries costs one bounded query per window.
    """
    qs = newest_first(incident=incident, before=before, include_deleted=include_deleted)
    if filters:
        qs = filters.apply(qs)
    rows = list(qs[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def newest_first(
    *, incident: Any, before: TimelineEvent | None = None, include_deleted: bool = False
) -> TimelineEventQuerySet:
    """The events before `before` (or all), newest first, with their authors (timeline_window)."""
    manager = TimelineEvent.all_objects if include_deleted else TimelineEvent.objects
    qs: TimelineEventQuerySet = manager.filter(incident=incident).select_related("author")
    if before is not None:
        qs = qs.filter(
            Q(occurred_at__lt=before.occurred_at)
            | Q(occurred_at=before.occurred_at, recorded_at__lt=before.recorded_at)
            | Q(occurred_at=before.occurred_at, recorded_at=before.recorded_at, id__lt=before.pk)
        )
    return qs.order_by("-occurred_at", "-recorded_at", "-id")
