"""Opsgenie: alerts and incidents with timelines and notes, and postmortems kept as authored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from incidents.importers.models import ImportedRecord
from incidents.models import Incident
from incidents.postmortems.models import Postmortem

FILE = "opsgenie_export.json"


def _incident(external_id: str) -> Incident:
    return ImportedRecord.objects.get(source="opsgenie", external_id=external_id).incident


def test_an_alert_with_logs_and_notes_becomes_an_incident(run_import: Any) -> None:
    report = run_import("opsgenie", FILE)

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    cpu = _incident("alert:70413a06-38d6-4c85-92b8-5ebc900d42e2")
    assert (cpu.title, cpu.severity, cpu.status) == ("CPU above 95% on web-3", "SEV2", "resolved")
    assert cpu.acknowledged_at == datetime(2025, 7, 10, 10, 2, tzinfo=UTC)  # createdAt + ackTime
    assert cpu.resolved_at == datetime(2025, 7, 10, 10, 30, tzinfo=UTC)  # createdAt + closeTime
    assert cpu.commander.email == ""  # a placeholder for morgan@example.com
    entries = list(cpu.events.filter(source="import").order_by("occurred_at"))
    assert [(entry.kind, entry.occurred_at.strftime("%H:%M")) for entry in entries] == [
        ("alert", "10:00"),
        ("action", "10:02"),
        ("note", "10:25"),
        ("status_change", "10:30"),
    ]
    assert entries[0].author is None  # "System" is nobody
    assert entries[2].body == "Restarted the worker pool; CPU back to 40%."


def test_an_incident_keeps_its_timeline_and_its_postmortem_as_authored(run_import: Any) -> None:
    run_import("opsgenie", FILE)

    checkout = _incident("incident:c6ae2cb1-4bd9-4ec5-9ea0-5d0bd0b5d8b5")
    assert checkout.severity == "SEV1"
    assert checkout.started_at == datetime(2025, 8, 1, 12, 0, tzinfo=UTC)
    assert checkout.detected_at == datetime(2025, 8, 1, 12, 10, tzinfo=UTC)
    assert checkout.resolved_at == datetime(2025, 8, 1, 13, 40, tzinfo=UTC)
    assert [service.name for service in checkout.services.all()] == ["checkout-eu"]
    bodies = list(
        checkout.events.filter(source="import").order_by("occurred_at").values_list("body", flat=True)
    )
    assert bodies == [
        "Incident created with P1 priority",
        "Rolled back payment-router 4.2.",
        "Incident resolved",
    ]
    sections = {section.key: section for section in Postmortem.objects.get(incident=checkout).sections.all()}
    assert sections["summary"].body == "<p>A bad router release broke <b>EU</b> payments for 100 minutes.</p>"
    assert sections["summary"].edited is True  # regeneration keeps it
    assert sections["went_well"].body == "Rollback took four minutes."
    assert sections["lessons"].body == "## Timeline notes\n\nAlerting fired ten minutes late."


def test_re_running_changes_nothing_and_then_only_what_changed(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    run_import("opsgenie", path)
    checkout = _incident("incident:c6ae2cb1-4bd9-4ec5-9ea0-5d0bd0b5d8b5")
    revisions = checkout.postmortem.revisions.count()

    assert run_import("opsgenie", path).counts["unchanged"] == 2
    data = json.loads(path.read_text())
    data["postmortems"][0]["sections"][1]["content"] = "Rollback took three minutes."
    path.write_text(json.dumps(data))
    report = run_import("opsgenie", path)

    assert report.counts == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    checkout.refresh_from_db()
    assert checkout.postmortem.sections.get(key="went_well").body == "Rollback took three minutes."
    assert checkout.postmortem.revisions.count() == revisions + 1  # one save, for the one change
    assert checkout.events.filter(source="import").count() == 3


def test_a_malformed_incident_imports_nothing_of_itself(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    data["incidents"][0]["data"]["priority"] = "urgent"
    path.write_text(json.dumps(data))

    report = run_import("opsgenie", path)

    assert [(row.record, row.field) for row in report.errors] == [("opsgenie incident 42", "priority")]
    assert report.counts["created"] == 1
    assert not Postmortem.objects.exists()
    assert not Incident.objects.filter(title="EU checkout unavailable").exists()
