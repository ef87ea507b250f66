"""Insights figures: MTTx, incidents per month, causes, action items, fixes, data quality.

Every figure starts from `insight_incidents()`: countable incidents (no duplicates or false alarms)
the user may see, narrowed by the filters. Months are UTC calendar months (`2026-01`). The work is
a handful of queries whatever the history: one pass over the incidents' timestamps (the medians are
computed in Python, because SQLite has no percentile function), and grouped counts in the database
for causes and action items.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.choices import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.insights import recurrence
from incidents.insights.forms import InsightsFilters
from incidents.insights.stats import summary
from incidents.models import Cause, Incident, RemediationAction
from timeline.actors import Actor

METRICS = ("time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve")
MILESTONE_OF = {
    "time_to_detect": "detected_at",
    "time_to_acknowledge": "acknowledged_at",
    "time_to_mitigate": "mitigated_at",
    "time_to_resolve": "resolved_at",
}
SEVERITIES = tuple(Severity.values)
ENDED_STATUSES = (Status.RESOLVED, Status.CLOSED)
# How many incidents the data-quality list names (the counts are always complete).
QUALITY_LIST_LIMIT = 100


def insight_incidents(*, user: Actor, filters: InsightsFilters | None = None) -> QuerySet[Incident]:
    """Return the countable incidents the user may see, narrowed by the filters."""
    qs = Incident.objects.countable().visible_to(user)
    if filters is None:
        return qs
    if filters.since:
        qs = qs.filter(started_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(started_at__lt=filters.until)
    if filters.severities:
        qs = qs.filter(severity__in=filters.severities)
    if filters.service:
        qs = qs.filter(pk__in=filters.service.incidents.values("pk"))
    return qs


MAX_EMPTY_MONTHS = 240
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _months_before(month: str, count: int) -> str:
    year, number = (int(p) for p in month.split("-"))
    index = year * 12 + number - 1 - count
    return f"{max(index // 12, 1):04d}-{index % 12 + 1:02d}"


def month_key(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Return every month from `first` to `last` inclusive (`2026-01` keys)."""
    year, month = (int(p) for p in first.split("-"))
    end = tuple(int(p) for p in last.split("-"))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def _seconds(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds())


def compute_insights(
    *, user: Actor, filters: InsightsFilters | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Return every insights figure for the user and filters, as JSON-ready data."""
    now = now or timezone.now()
    filters = filters or InsightsFilters()
    incidents = insight_incidents(user=user, filters=filters)

    durations: dict[str, dict[str, list[int | None]]] = {
        key: {m: [] for m in METRICS} for key in (*SEVERITIES, "all")
    }
    by_month: dict[str, dict[str, list[int | None]]] = defaultdict(lambda: {m: [] for m in METRICS})
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    quality = {
        "missing_detected": 0,
        "detected_same_as_started": 0,
        "missing_acknowledged": 0,
        "missing_mitigated": 0,
        "missing_resolved": 0,
    }
    flagged: list[dict[str, Any]] = []
    total = 0
    rows = incidents.order_by().values_list(
        "reference", "severity", "status", "started_at", *MILESTONE_OF.values()
    )
    for reference, severity, status, started_at, detected, acknowledged, mitigated, resolved in rows.iterator(
        chunk_size=2000
    ):
        total += 1
        month = month_key(started_at)
        counts[month][severity] += 1
        values = {
            "time_to_detect": _seconds(started_at, detected),
            "time_to_acknowledge": _seconds(started_at, acknowledged),
            "time_to_mitigate": _seconds(started_at, mitigated),
            "time_to_resolve": _seconds(started_at, resolved),
        }
        for metric, value in values.items():
            durations[severity][metric].append(value)
            durations["all"][metric].append(value)
            by_month[month][metric].append(value)
        missing = []
        if detected is None:
            missing.append("detected_at")
        elif detected == started_at:
            quality["detected_same_as_started"] += 1
        if acknowledged is None:
            missing.append("acknowledged_at")
        if mitigated is None and status in (Status.MONITORING, *ENDED_STATUSES):
            missing.append("mitigated_at")
        if resolved is None and status in ENDED_STATUSES:
            missing.append("resolved_at")
        for field_name in missing:
            quality[f"missing_{field_name.removesuffix('_at')}"] += 1
        if missing and len(flagged) < QUALITY_LIST_LIMIT:
            flagged.append({"reference": reference, "started_at": started_at.isoformat(), "missing": missing})

    # Empty months are shown (a quiet month is news too) from `since` to `until` or now, but a `since`
    # far in the past must not produce centuries of zeros: at most MAX_EMPTY_MONTHS before `last`,
    # unless an incident is older.
    # `until` is exclusive: an until of 1 March ends with February.
    last_moment = min(filters.until - timedelta(microseconds=1), now) if filters.until else now
    last = max(month_key(max(last_moment, _EPOCH)), max(counts) if counts else "0000-00")
    first = month_key(filters.since) if filters.since else (min(counts) if counts else last)
    first = max(first, _months_before(last, MAX_EMPTY_MONTHS))
    if counts:
        first = min(first, min(counts))
    months = month_range(first, last) if first <= last else []

    return {
        "filters": filters.as_dict(),
        "generated_at": now.isoformat(),
        "incident_count": total,
        "by_severity": {
            key: {metric: summary(values) for metric, values in per_metric.items()}
            for key, per_metric in durations.items()
        },
        "by_month": [
            {"month": month, **{metric: summary(by_month[month][metric]) for metric in METRICS}}
            for month in months
        ],
        "incidents_per_month": [
            {"month": month, **counts[month], "total": sum(counts[month].values())} for month in months
        ],
        "causes": _causes(incidents, months),
        "actions": _actions(incidents),
        "fixes": _fixes(user=user, incidents=incidents),
        "repeats": {
            **recurrence.repeat_rate(user=user, incidents=incidents),
            "by_action_kind": recurrence.repeats_by_kind(user=user, incidents=incidents),
        },
        "data_quality": {**quality, "incidents": flagged},
    }


def _causes(incidents: QuerySet[Incident], months: list[str]) -> dict[str, Any]:
    """Count incidents per cause category and role (ruled-out causes are not causes)."""
    causes = Cause.objects.filter(incident__in=incidents.values("pk")).exclude(status=CauseStatus.RULED_OUT)
    by_category = {
        row["category"]: row["incidents"]
        for row in causes.order_by().values("category").annotate(incidents=Count("incident", distinct=True))
    }
    by_role = {
        row["role"]: row["incidents"]
        for row in causes.order_by().values("role").annotate(incidents=Count("incident", distinct=True))
    }
    grid: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in (
        causes.order_by()
        .annotate(month=TruncMonth("incident__started_at", tzinfo=UTC))
        .values("month", "category", "role")
        .annotate(incidents=Count("incident", distinct=True))
    ):
        grid[month_key(row["month"])][row["category"]][row["role"]] = row["incidents"]
    return {
        "by_category": [{"category": c, "incidents": by_category.get(c, 0)} for c in CauseCategory.values],
        "by_role": [{"role": r, "incidents": by_role.get(r, 0)} for r in CauseRole.values],
        "by_month": [
            {
                "month": month,
                "categories": {
                    c: {r: grid[month][c].get(r, 0) for r in CauseRole.values}
                    for c in CauseCategory.values
                    if grid[month].get(c)
                },
            }
            for month in months
        ],
    }


def _action_counts(today: date) -> dict[str, Any]:
    done = Q(status=ActionStatus.DONE)
    on_time = done & (Q(completed_at__isnull=True) | Q(completed_at__date__lte=F("due_date")))
    late = done & Q(completed_at__date__gt=F("due_date"))
    still_open = Q(status__in=OPEN_ACTION_STATUSES)
    return {
        "done_on_time": Count("id", filter=on_time),
        "done_late": Count("id", filter=late),
        "open": Count("id", filter=still_open & Q(due_date__gte=today)),
        "overdue": Count("id", filter=still_open & Q(due_date__lt=today)),
        "wont_do": Count("id", filter=Q(status=ActionStatus.WONT_DO)),
        "total": Count("id"),
    }


def _actions(incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Action items of the incidents: done on time, done late, open (not yet due), overdue, by owner.

    `completed_at` is compared with `due_date` as a UTC date; a done item with no completion time
    counts as on time (nothing says it was late).
    """
    today = timezone.now().astimezone(UTC).date()
    actions = RemediationAction.objects.filter(incident__in=incidents.values("pk")).order_by()
    totals = actions.aggregate(**_action_counts(today))
    owners = list(actions.values("owner").annotate(**_action_counts(today)).order_by("owner"))
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[r["owner"] for r in owners if r["owner"]])
        .values_list("pk", "username")
    )
    by_owner: list[dict[str, Any]] = [
        {"owner": names.get(row["owner"]), **{k: v for k, v in row.items() if k != "owner"}} for row in owners
    ]
    by_owner.sort(key=lambda row: (-int(row["overdue"] or 0), row["owner"] is None, row["owner"] or ""))
    return {**totals, "by_owner": by_owner}


def _fixes(*, user: Actor, incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Did the fixes work: done repair/prevent items, held or followed by a recurrence."""
    actions = list(recurrence.fix_actions(incidents=incidents).order_by("-completed_at", "-id"))
    outcomes = recurrence.fix_outcomes(user=user, actions=actions)
    recurred = [
        {
            "action_id": action.pk,
            "title": action.title,
            "incident": action.incident.reference,
            "completed_at": outcome.completed_at.isoformat(),
            "recurred_in": outcome.recurrence.reference,
            "recurred_at": outcome.recurrence.started_at.isoformat(),
        }
        for action in actions
        if (outcome := outcomes.get(action.pk)) and outcome.recurrence
    ]
    # The counts are complete; the list names the most recently completed items only.
    return {
        "held": len(outcomes) - len(recurred),
        "recurred": len(recurred),
        "recurrences": recurred[:QUALITY_LIST_LIMIT],
    }
