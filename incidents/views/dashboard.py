from __future__ import annotations

from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents import selectors
from incidents.choices import Severity
from incidents.models import Incident

DASHBOARD_LIMIT = 20


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show what needs attention now: active incidents, my open items, overdue items."""
    active = list(selectors.active_incidents(user=request.user)[:100])
    by_severity: OrderedDict[str, list[Incident]] = OrderedDict((value, []) for value in Severity.values)
    for incident in active:
        by_severity[incident.severity].append(incident)
    my_actions = selectors.action_list(
        user=request.user, filters={"owner": request.user.get_username(), "status": ["open", "in_progress"]}
    ).order_by("due_date", "id")
    overdue = selectors.action_list(user=request.user, filters={"overdue": "true"}).order_by("due_date", "id")
    context = {
        "active_count": len(active),
        "active_by_severity": [(severity, items) for severity, items in by_severity.items() if items],
        "my_actions": list(my_actions[:DASHBOARD_LIMIT]),
        "overdue_actions": list(overdue[:DASHBOARD_LIMIT]),
        "dashboard_limit": DASHBOARD_LIMIT,
    }
    return render(request, "incidents/dashboard.html", context)
