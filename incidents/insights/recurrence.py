"""Recurrence: incidents that share a service and a cause category, and whether fixes held.

A `done` prevent or mitigate action item "held" when no countable incident (not a duplicate, not a
false alarm) sharing a service with the action's incident and one of its cause categories started
after the item was completed. The categories are those of the causes the item is linked to, or, when
it is linked to none, of every cause of its incident that was not ruled out. Only incidents the
reader may see count: a private recurrence must not show through as a "did not hold".
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from incidents import selectors
from incidents.choices import ActionKind, ActionStatus, CauseStatus
from incidents.models import Cause, Incident, RemediationAction

FIX_KINDS = (ActionKind.PREVENT, ActionKind.MITIGATE)


@dataclass(frozen=True)
class Recurrence:
    reference: str
    title: str
    started_at: datetime


@dataclass(frozen=True)
class FixOutcome:
    """What happened after a done prevent/mitigate item: `recurrence` is None when it held."""

    action_id: int
    completed_at: datetime
    recurrence: Recurrence | None

    @property
    def held(self) -> bool:
        return self.recurrence is None


def related_incidents(*, user: Any, incident: Incident) -> list[Incident]:
    """Return visible incidents sharing a service and a cause category with this one, newest first."""
    return list(selectors.related_incidents(user=user, incident=incident).prefetch_related("services"))


def is_fix(action: RemediationAction) -> bool:
    return action.kind in FIX_KINDS and action.status == ActionStatus.DONE and action.completed_at is not None


def fix_outcomes(*, user: Any, actions: Iterable[RemediationAction]) -> dict[int, FixOutcome]:
    """Return the outcome of each done prevent/mitigate item, keyed by action id.

    Bounded passes whatever the number of items: their services, their cause categories, then the
    candidate recurrences, matched in memory through a sorted index per (service, category).
    """
    fixes = [a for a in actions if is_fix(a)]
    if not fixes:
        return {}
    incident_ids = {a.incident_id for a in fixes}
    services: dict[int, set[int]] = defaultdict(set)
    for incident_id, service_id in Incident.services.through.objects.filter(
        incident_id__in=incident_ids
    ).values_list("incident_id", "service_id"):
        services[incident_id].add(service_id)
    incident_categories: dict[int, set[str]] = defaultdict(set)
    for incident_id, category in (
        Cause.objects.filter(incident_id__in=incident_ids)
        .exclude(status=CauseStatus.RULED_OUT)
        .values_list("incident_id", "category")
    ):
        incident_categories[incident_id].add(category)
    linked_categories: dict[int, set[str]] = defaultdict(set)
    for action_id, category in RemediationAction.causes.through.objects.filter(
        remediationaction_id__in=[a.pk for a in fixes], cause__deleted_at__isnull=True
    ).values_list("remediationaction_id", "cause__category"):
        linked_categories[action_id].add(category)

    categories_of = {
        a.pk: linked_categories.get(a.pk) or incident_categories.get(a.incident_id, set()) for a in fixes
    }
    all_services = set().union(*services.values()) if services else set()
    all_categories = set().union(*categories_of.values())
    earliest = min(a.completed_at for a in fixes if a.completed_at)
    index: dict[tuple[int, str], list[tuple[datetime, int, str, str]]] = defaultdict(list)
    if all_services and all_categories:
        rows = (
            Incident.objects.countable()
            .visible_to(user)
            .filter(
                started_at__gt=earliest,
                services__in=all_services,
                causes__category__in=all_categories,
            )
            .values_list(
                "pk", "reference", "title", "started_at", "services", "causes__category", "causes__status"
            )
            .distinct()
        )
        for pk, reference, title, started_at, service_id, category, status in rows:
            if (
                status == CauseStatus.RULED_OUT
                or service_id not in all_services
                or category not in all_categories
            ):
                continue
            index[(service_id, category)].append((started_at, pk, reference, title))
        for entries in index.values():
            entries.sort()

    outcomes: dict[int, FixOutcome] = {}
    for action in fixes:
        assert action.completed_at is not None
        first: tuple[datetime, int, str, str] | None = None
        for service_id in services.get(action.incident_id, set()):
            for category in categories_of[action.pk]:
                entries = index.get((service_id, category), [])
                position = bisect.bisect_right(entries, (action.completed_at, float("inf")))
                # The action's own incident may sit in the index; skip it, take the next one.
                while position < len(entries) and entries[position][1] == action.incident_id:
                    position += 1
                if position < len(entries) and (first is None or entries[position] < first):
                    first = entries[position]
        recurrence = Recurrence(reference=first[2], title=first[3], started_at=first[0]) if first else None
        outcomes[action.pk] = FixOutcome(
            action_id=action.pk, completed_at=action.completed_at, recurrence=recurrence
        )
    return outcomes


def fix_outcome(*, user: Any, action: RemediationAction) -> FixOutcome | None:
    """Return the outcome of one item, or None when it is not a done prevent/mitigate item."""
    return fix_outcomes(user=user, actions=[action]).get(action.pk)


def fix_actions(*, incidents: QuerySet[Incident]) -> QuerySet[RemediationAction]:
    """Return the done prevent/mitigate items of these incidents (what "did the fix work?" judges)."""
    return (
        RemediationAction.objects.filter(
            incident__in=incidents.values("pk"),
            kind__in=FIX_KINDS,
            status=ActionStatus.DONE,
            completed_at__isnull=False,
        )
        .select_related("incident")
        .only("id", "title", "kind", "status", "completed_at", "incident_id", "incident__reference")
    )
