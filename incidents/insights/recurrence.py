"""Recurrence: incidents that share a service and a cause category, and whether fixes held.

A `done` repair or prevent action item (a fix) "held" when no countable incident (not a duplicate, not a
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
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from incidents import selectors
from incidents.choices import ActionKind, ActionStatus, CauseStatus
from incidents.models import Cause, Incident, RemediationAction
from timeline.actors import Actor

FIX_KINDS = (ActionKind.REPAIR, ActionKind.PREVENT)
# "Followed by a repeat within 90 days" (insights' per-kind repeat figures and repeat rate).
REPEAT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Recurrence:
    reference: str
    title: str
    started_at: datetime


@dataclass(frozen=True)
class FixOutcome:
    """What happened after a done repair/prevent item: `recurrence` is None when it held."""

    action_id: int
    completed_at: datetime
    recurrence: Recurrence | None

    @property
    def held(self) -> bool:
        return self.recurrence is None


def related_incidents(*, user: Actor, incident: Incident) -> list[Incident]:
    """Return visible incidents sharing a service and a cause category with this one, newest first."""
    return list(selectors.related_incidents(user=user, incident=incident).prefetch_related("services"))


def is_fix(action: RemediationAction) -> bool:
    return action.kind in FIX_KINDS and action.status == ActionStatus.DONE and action.completed_at is not None


def fix_outcomes(*, user: Actor, actions: Iterable[RemediationAction]) -> dict[int, FixOutcome]:
    """Return the outcome of each done repair/prevent item, keyed by action id."""
    return done_outcomes(user=user, actions=[a for a in actions if is_fix(a)])


def done_outcomes(
    *, user: Actor, actions: Iterable[RemediationAction], within: timedelta | None = None
) -> dict[int, FixOutcome]:
    """Return, for each done item of any kind, the first recurrence after it was completed (within
    `within` of completion, when given), keyed by action id.

    Bounded passes whatever the number of items: their services, their cause categories, then the
    candidate recurrences, matched in memory through a sorted index per (service, category).
    """
    fixes = [a for a in actions if a.status == ActionStatus.DONE and a.completed_at is not None]
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
                causes__deleted_at__isnull=True,
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
        if first is not None and within is not None and first[0] > action.completed_at + within:
            first = None
        recurrence = Recurrence(reference=first[2], title=first[3], started_at=first[0]) if first else None
        outcomes[action.pk] = FixOutcome(
            action_id=action.pk, completed_at=action.completed_at, recurrence=recurrence
        )
    return outcomes


def fix_outcome(*, user: Actor, action: RemediationAction) -> FixOutcome | None:
    """Return the outcome of one item, or None when it is not a done repair/prevent item."""
    return fix_outcomes(user=user, actions=[action]).get(action.pk)


def fix_actions(*, incidents: QuerySet[Incident]) -> QuerySet[RemediationAction]:
    """Return the done repair/prevent items of these incidents (what "did the fix work?" judges)."""
    return done_actions(incidents=incidents).filter(kind__in=FIX_KINDS)


def done_actions(*, incidents: QuerySet[Incident]) -> QuerySet[RemediationAction]:
    """Return the done items, of every kind, of these incidents."""
    return (
        RemediationAction.objects.filter(
            incident__in=incidents.values("pk"),
            status=ActionStatus.DONE,
            completed_at__isnull=False,
        )
        .select_related("incident")
        .only("id", "title", "kind", "status", "completed_at", "incident_id", "incident__reference")
    )


def repeats_by_kind(*, user: Actor, incidents: QuerySet[Incident]) -> list[dict[str, Any]]:
    """Per action kind: how many done items were followed by a repeat within REPEAT_WINDOW.

    A repeat is a countable incident the reader may see that shares a service and a cause category
    with the item (see the module docstring), started after the item was completed.
    """
    actions = list(done_actions(incidents=incidents))
    outcomes = done_outcomes(user=user, actions=actions, within=REPEAT_WINDOW)
    done: dict[str, int] = defaultdict(int)
    repeated: dict[str, int] = defaultdict(int)
    for action in actions:
        done[action.kind] += 1
        if (outcome := outcomes.get(action.pk)) is not None and outcome.recurrence is not None:
            repeated[action.kind] += 1
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "done": done[kind.value],
            "repeated": repeated[kind.value],
            "repeat_rate": round(repeated[kind.value] / done[kind.value], 3) if done[kind.value] else None,
        }
        for kind in ActionKind
    ]


def repeat_rate(*, user: Actor, incidents: QuerySet[Incident]) -> dict[str, Any]:
    """How many of these incidents repeat an earlier one: a countable incident the reader may see,
    sharing a service and a cause category (not ruled out), started within REPEAT_WINDOW before."""
    ids = list(incidents.order_by().values_list("pk", "started_at"))
    total = len(ids)
    started = dict(ids)
    pairs: dict[int, set[tuple[int, str]]] = defaultdict(set)
    if ids:
        services: dict[int, set[int]] = defaultdict(set)
        for incident_id, service_id in Incident.services.through.objects.filter(
            incident_id__in=incidents.values("pk")
        ).values_list("incident_id", "service_id"):
            services[incident_id].add(service_id)
        for incident_id, category in (
            Cause.objects.filter(incident_id__in=incidents.values("pk"))
            .exclude(status=CauseStatus.RULED_OUT)
            .values_list("incident_id", "category")
            .distinct()
        ):
            pairs[incident_id].update((service_id, category) for service_id in services.get(incident_id, ()))
    repeats = 0
    if pairs:
        all_services = {service for keys in pairs.values() for service, _ in keys}
        all_categories = {category for keys in pairs.values() for _, category in keys}
        earliest = min(started[pk] for pk in pairs) - REPEAT_WINDOW
        index: dict[tuple[int, str], list[tuple[datetime, int]]] = defaultdict(list)
        rows = (
            Incident.objects.countable()
            .visible_to(user)
            .filter(
                started_at__gte=earliest,
                services__in=all_services,
                causes__category__in=all_categories,
                causes__deleted_at__isnull=True,
            )
            .values_list("pk", "started_at", "services", "causes__category", "causes__status")
            .distinct()
        )
        for pk, started_at, service_id, category, status in rows:
            if status == CauseStatus.RULED_OUT or service_id not in all_services:
                continue
            index[(service_id, category)].append((started_at, pk))
        for entries in index.values():
            entries.sort()
        for incident_id, keys in pairs.items():
            start = started[incident_id]
            if any(_earlier_in(index.get(key, []), start, incident_id) for key in keys):
                repeats += 1
    return {
        "incidents": total,
        "repeats": repeats,
        "repeat_rate": round(repeats / total, 3) if total else None,
        "window_days": REPEAT_WINDOW.days,
    }


def _earlier_in(entries: list[tuple[datetime, int]], start: datetime, own: int) -> bool:
    """Is there an entry, other than `own`, started in [start - REPEAT_WINDOW, start)?"""
    position = bisect.bisect_left(entries, (start - REPEAT_WINDOW, -1))
    while position < len(entries) and entries[position][0] < start:
        if entries[position][1] != own:
            return True
        position += 1
    return False
