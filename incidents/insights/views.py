"""Insights pages and the partials the incident pages include."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.choices import CauseCategory, Severity
from incidents.insights import charts
from incidents.insights.forms import filter_form
from incidents.insights.hints import action_hints
from incidents.insights.metrics import METRICS, compute_insights
from incidents.insights.recurrence import related_incidents
from incidents.insights.similar import similar_incidents, similar_to_draft
from incidents.query import RowIdField, query_values
from incidents.templatetags.hindsight import duration

# How many similar incidents the incident page shows (the API pages through more).
SIMILAR_ON_PAGE = 5

DEFAULT_MONTHS = 12
METRIC_LABELS = {
    "time_to_detect": "Time to detect",
    "time_to_acknowledge": "Time to acknowledge",
    "time_to_mitigate": "Time to mitigate",
    "time_to_resolve": "Time to resolve",
}
ACTION_COLUMNS = ("done_on_time", "done_late", "open", "overdue", "wont_do")
ACTION_LABELS = {
    "done_on_time": "Done on time",
    "done_late": "Done late",
    "open": "Open",
    "overdue": "Overdue",
    "wont_do": "Won't do",
}


def _page_query(request: HttpRequest) -> QueryDict:
    """Return the page's filters; with none given, the last twelve months."""
    query = request.GET.copy()
    if not any(query.get(key) for key in ("since", "until", "severity", "service")):
        start = (timezone.now().astimezone(UTC) - timedelta(days=365)).date().replace(day=1)
        query["since"] = start.isoformat()
    return query


def _hours(seconds: float) -> str:
    return duration(seconds)


def _month_label(month: str) -> str:
    """`2026-01` reads as `Jan 2026` on an axis."""
    year, _, number = month.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return month
    return date(int(year), int(number), 1).strftime("%b %Y")


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    months = [row["month"] for row in data["incidents_per_month"]]
    month_labels = [_month_label(month) for month in months]
    severities = list(Severity.values)
    categories = [row["category"] for row in data["causes"]["by_category"]]
    category_labels = dict(CauseCategory.choices)
    return {
        "incidents": charts.bar_chart(
            chart_id="incidents-per-month",
            title="Incidents per month by severity",
            groups=months,
            group_labels=month_labels,
            series=[charts.Series(s, [row[s] for row in data["incidents_per_month"]]) for s in severities],
            stacked=True,
            x_label="Month (UTC)",
            y_label="Incidents",
        ),
        "mttx": charts.bar_chart(
            chart_id="mttx-by-severity",
            title="Median time to detect, acknowledge, mitigate and resolve, by severity",
            groups=severities,
            series=[
                charts.Series(
                    METRIC_LABELS[metric], [data["by_severity"][s][metric]["median"] for s in severities]
                )
                for metric in METRICS
            ],
            fmt=_hours,
            durations=True,
            x_label="Severity",
            y_label="Median time (d, h, min)",
        ),
        "resolve_by_month": charts.bar_chart(
            chart_id="resolve-by-month",
            title="Time to resolve per month: median and p90",
            groups=months,
            group_labels=month_labels,
            series=[
                charts.Series(
                    "median", [row["time_to_resolve"]["median"] for row in data["by_month"]], "Median"
                ),
                charts.Series(
                    "p90", [row["time_to_resolve"]["p90"] for row in data["by_month"]], "90th percentile"
                ),
            ],
            fmt=_hours,
            durations=True,
            x_label="Month (UTC)",
            y_label="Time to resolve (d, h, min)",
        ),
        "causes": charts.bar_chart(
            chart_id="cause-categories",
            title="Incidents per cause category",
            groups=categories,
            group_labels=[str(category_labels.get(key, key)) for key in categories],
            series=[
                charts.Series(
                    "incidents", [row["incidents"] for row in data["causes"]["by_category"]], "Incidents"
                )
            ],
            x_label="Cause category",
            y_label="Incidents",
        ),
        "actions": charts.bar_chart(
            chart_id="action-items",
            title="Action items",
            groups=[ACTION_LABELS[c] for c in ACTION_COLUMNS],
            series=[charts.Series("items", [data["actions"][c] for c in ACTION_COLUMNS], "Action items")],
            x_label="State",
            y_label="Action items",
        ),
    }


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    query = _page_query(request)
    form = filter_form(query, user=request.user)
    context: dict[str, Any] = {"form": form, "metric_labels": METRIC_LABELS, "action_labels": ACTION_LABELS}
    if form.is_valid():
        data = compute_insights(user=request.user, filters=form.filters())
        causes_by_month = [
            {
                "month": row["month"],
                "categories": [
                    {"category": category, "roles": roles, "total": sum(roles.values())}
                    for category, roles in row["categories"].items()
                ],
            }
            for row in data["causes"]["by_month"]
            if row["categories"]
        ]
        context.update(
            data=data,
            charts=_charts(data),
            severities=list(Severity.values),
            metrics=METRICS,
            action_columns=ACTION_COLUMNS,
            action_totals=[(c, ACTION_LABELS[c], data["actions"][c]) for c in ACTION_COLUMNS],
            causes_by_month=causes_by_month,
            csv_query=query.urlencode(),
        )
    return render(request, "insights/insights.html", context)


def csv_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    """Yield the figures in long form: table, group, series, value (seconds for durations)."""
    yield ["table", "group", "series", "value"]
    for key, per_metric in data["by_severity"].items():
        for metric, figures in per_metric.items():
            for statistic in ("count", "median", "p90"):
                yield [f"{metric}_by_severity", key, statistic, figures[statistic]]
    for row in data["by_month"]:
        for metric in METRICS:
            for statistic in ("count", "median", "p90"):
                yield [f"{metric}_by_month", row["month"], statistic, row[metric][statistic]]
    for row in data["incidents_per_month"]:
        for severity in (*Severity.values, "total"):
            yield ["incidents_per_month", row["month"], severity, row[severity]]
    for row in data["causes"]["by_category"]:
        yield ["incidents_by_cause_category", row["category"], "incidents", row["incidents"]]
    for row in data["causes"]["by_role"]:
        yield ["incidents_by_cause_role", row["role"], "incidents", row["incidents"]]
    for row in data["causes"]["by_month"]:
        for category, roles in row["categories"].items():
            for role, count in roles.items():
                yield ["causes_by_month", row["month"], f"{category}/{role}", count]
    for column in (*ACTION_COLUMNS, "total"):
        yield ["action_items", "all", column, data["actions"][column]]
    for row in data["actions"]["by_owner"]:
        for column in (*ACTION_COLUMNS, "total"):
            yield ["action_items_by_owner", row["owner"] or "(no owner)", column, row[column]]
    yield ["fixes", "all", "held", data["fixes"]["held"]]
    yield ["fixes", "all", "recurred", data["fixes"]["recurred"]]
    for key, value in data["data_quality"].items():
        if key != "incidents":
            yield ["data_quality", "all", key, value]


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def insights_csv(request: HttpRequest) -> HttpResponse:
    form = filter_form(_page_query(request), user=request.user)
    if not form.is_valid():
        errors = "; ".join(
            f"{field}: {' '.join(map(str, messages))}" for field, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    data = compute_insights(user=request.user, filters=form.filters())
    writer = csv.writer(_Echo())
    body = "".join(writer.writerow(["" if v is None else v for v in row]) for row in csv_rows(data))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hindsight-insights.csv"'
    return response


@login_required
@require_GET
def incident_related(request: HttpRequest, reference: str) -> HttpResponse:
    """The related-incidents partial (also included in the incident page)."""
    incident = selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    related = related_incidents(user=request.user, incident=incident)
    return render(request, "insights/_related.html", {"incident": incident, "related": related})


@login_required
@require_GET
def incident_similar(request: HttpRequest, reference: str) -> HttpResponse:
    """The similar-incidents card of the incident page (loaded after the page, by htmx)."""
    incident = selectors.incident_get(user=request.user, reference=reference)
    if incident is None:
        raise Http404("No such incident.")
    matches = similar_incidents(user=request.user, incident=incident, limit=SIMILAR_ON_PAGE)
    return render(request, "insights/_similar.html", {"incident": incident, "matches": matches})


@login_required
@require_GET
def declare_similar(request: HttpRequest) -> HttpResponse:
    """Past incidents like the one being declared, as its title (and services) are typed."""
    title = request.GET.get("title", "")[:200]
    summary = request.GET.get("summary", "")[:2000]
    services = request.GET.get("services", "")[:1000].split(",")
    matches = similar_to_draft(user=request.user, title=title, summary=summary, services=services)
    return render(request, "insights/_similar_draft.html", {"matches": matches, "asked": bool(title.strip())})


@login_required
@require_GET
def action_fix_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The "did the fix work?" partial of one action item."""
    action = selectors.action_get(user=request.user, pk=pk)
    if action is None:
        raise Http404("No such action item.")
    return render(request, "insights/_fix_outcome.html", {"action": action})


class HintsQuery(forms.Form):
    action_id = RowIdField(required=False)


@login_required
@require_GET
def action_hints_partial(request: HttpRequest) -> HttpResponse:
    """Hints for the action item being written; the action form asks on every change.

    Takes the form's fields as they are named there (`action-title`, …) or bare (`title`, …), and
    `action_id` when an existing item is edited (its creation date anchors the due-date target).
    """
    values: dict[str, Any] = {
        key: request.GET.get(f"action-{key}", request.GET.get(key, ""))
        for key in ("title", "description", "owner", "due_date", "priority")
    }
    action_id = query_values(request, HintsQuery)["action_id"]
    if action_id:
        action = selectors.action_get(user=request.user, pk=action_id)
        if action is not None:
            values["created_at"] = action.created_at
    hints = action_hints(values)
    return render(request, "insights/_action_hints.html", {"hints": hints, "hint_count": len(hints)})
