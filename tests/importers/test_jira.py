"""Jira: postmortem issues (REST v3 search result) become incidents with linked action items."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from incidents.importers.models import ImportedRecord
from incidents.models import Incident, RemediationAction

FILE = "jira_search.json"


def _incident(key: str) -> Incident:
    return ImportedRecord.objects.get(source="jira", kind="incident", external_id=key).incident


def test_a_postmortem_issue_becomes_an_incident_with_summary_impact_and_cause(run_import: Any) -> None:
    report = run_import("jira", FILE)

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    failover = _incident("PM-12")
    assert failover.title == "Postmortem: database failover took 40 minutes"
    assert failover.severity == "SEV1"  # the Severity field wins over the priority
    assert failover.summary.startswith("The primary database lost its disk")
    assert "- automation was disabled" in failover.summary
    assert failover.impact == "All writes failed for 40 minutes; 1,200 orders delayed."
    assert failover.started_at == datetime(2025, 8, 14, 1, 12, tzinfo=UTC)
    assert failover.resolved_at == datetime(2025, 8, 14, 1, 52, tzinfo=UTC)
    assert failover.status == "resolved"
    assert [service.name for service in failover.services.all()] == ["orders-db"]
    cause = failover.causes.get()
    assert (cause.role, cause.status) == ("root_cause", "confirmed")
    assert "never re-enabled" in cause.description
    assert failover.commander.get_full_name() == "Mia Krystof"


def test_linked_issues_become_action_items_with_their_tickets(run_import: Any) -> None:
    run_import("jira", FILE)

    actions = {action.ticket_url: action for action in _incident("PM-12").actions.all()}
    alert = actions["https://example.atlassian.net/browse/OPS-101"]
    assert alert.title == "OPS-101: Alert when failover automation is disabled"
    assert (alert.status, alert.priority, alert.due_date) == ("in_progress", "P1", date(2025, 9, 30))
    assert alert.owner.get_full_name() == "Mia Krystof"  # from the linked issue in the same file
    enable = actions["https://example.atlassian.net/browse/OPS-102"]
    assert enable.status == "done"
    assert enable.completion_note == "Done in Jira (OPS-102)."
    # The task issue in the file is an action item, not an incident.
    assert not ImportedRecord.objects.filter(source="jira", kind="incident", external_id="OPS-101").exists()


def test_a_restricted_issue_is_imported_private(run_import: Any, outsider: Any) -> None:
    run_import("jira", FILE)

    leak = _incident("PM-13")
    assert leak.private is True
    assert leak.status == "investigating"  # no end time: none is invented
    assert not Incident.objects.visible_to(outsider).filter(pk=leak.pk).exists()


def test_re_running_updates_action_items_in_place(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    run_import("jira", path)
    data = json.loads(path.read_text())
    data["issues"][1]["fields"]["status"] = {"name": "Done", "statusCategory": {"key": "done"}}
    path.write_text(json.dumps(data))

    report = run_import("jira", path)

    assert report.counts["updated"] == 1
    assert RemediationAction.objects.count() == 2
    alert = RemediationAction.objects.get(ticket_url__endswith="OPS-101")
    assert alert.status == "done"
    assert alert.history.count() == 2  # created, then changed by the re-run


def test_a_malformed_issue_imports_nothing_of_itself(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    data["issues"][0]["fields"]["issuelinks"][0]["outwardIssue"]["fields"]["duedate"] = "soon"
    data["issues"][1]["fields"]["duedate"] = "soon"
    path.write_text(json.dumps(data))

    report = run_import("jira", path)

    assert [(row.record, row.field) for row in report.errors] == [
        ("jira PM-12", "fields.issuelinks[0].duedate")
    ]
    assert not RemediationAction.objects.exists()
    assert list(Incident.objects.values_list("title", flat=True)) == ["Leaked staging credentials"]
