"""PagerDuty: incidents with their log entries (REST API v2) become incidents and timelines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.importers.models import ImportedRecord, PlaceholderPerson
from incidents.models import Incident, Job
from tests.factories import UserFactory
from timeline.models import TimelineEvent

FILE = "pagerduty_incidents.json"


def _fire() -> Incident:
    return ImportedRecord.objects.get(source="pagerduty", external_id="PT4KHLK").incident


def test_it_imports_incidents_with_their_log_entries_at_their_original_times(run_import: Any) -> None:
    report = run_import("pagerduty", FILE)

    assert report.counts["created"] == 2
    assert report.counts["failed"] == 0
    fire = _fire()
    assert fire.reference.startswith("INC-")
    assert fire.title == "The server is on fire."
    assert fire.severity == "SEV2"  # priority P2
    assert fire.status == "resolved"
    assert fire.summary == "Smoke is coming out of rack 12."
    assert [service.name for service in fire.services.all()] == ["My Mail Service"]
    assert fire.started_at == datetime(2025, 10, 6, 21, 30, 42, tzinfo=UTC)
    # 23:35 at +02:00 is 21:35 UTC: offsets are honoured.
    assert fire.acknowledged_at == datetime(2025, 10, 6, 21, 35, tzinfo=UTC)
    assert fire.resolved_at == datetime(2025, 10, 6, 22, 38, 23, tzinfo=UTC)
    imported = list(fire.events.filter(source="import").order_by("occurred_at"))
    assert [(event.kind, event.occurred_at.strftime("%H:%M")) for event in imported] == [
        ("alert", "21:30"),
        ("action", "21:35"),
        ("note", "21:50"),
        ("status_change", "22:38"),
    ]
    assert "Failed over to the standby mail relay." in imported[2].body
    assert imported[2].author.get_full_name() == "Kim Responder"
    assert [event.is_key for event in imported] == [True, True, False, True]


def test_responders_become_commander_and_placeholders_an_admin_can_merge(run_import: Any) -> None:
    run_import("pagerduty", FILE)

    fire = _fire()
    assert fire.commander.get_full_name() == "Earline Greenholt"
    assert not fire.commander.has_usable_password()
    placeholders = PlaceholderPerson.objects.filter(source="pagerduty")
    assert sorted(placeholders.values_list("name", flat=True)) == ["Earline Greenholt", "Kim Responder"]
    assert fire.participants.filter(first_name="Kim").exists()


def test_a_known_person_is_matched_by_email_not_duplicated(run_import: Any, fixture_copy: Any) -> None:
    earline = UserFactory(username="earline", email="earline@example.com", role="responder")
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    data["incidents"][0]["assignments"][0]["assignee"]["email"] = "EARLINE@example.com"
    path.write_text(json.dumps(data))

    run_import("pagerduty", path)

    assert _fire().commander == earline


def test_log_entries_listed_apart_are_matched_to_their_incident(run_import: Any) -> None:
    run_import("pagerduty", FILE)

    checkout = ImportedRecord.objects.get(source="pagerduty", external_id="PQ7B3RT").incident
    assert checkout.severity == "SEV3"  # no priority, urgency low
    assert checkout.status == "investigating"
    # 09:05 at -05:00 is 14:05 UTC.
    assert checkout.started_at == datetime(2025, 11, 2, 14, 5, tzinfo=UTC)
    assert checkout.acknowledged_at == datetime(2025, 11, 2, 14, 6, 30, tzinfo=UTC)
    bodies = list(checkout.events.filter(source="import").values_list("body", flat=True))
    assert "Rolling back release 2025.11.1." in bodies
    assert len(bodies) == 3


def test_re_running_updates_what_it_created_and_never_duplicates(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    run_import("pagerduty", path)
    counts = (Incident.objects.count(), TimelineEvent.objects.count(), PlaceholderPerson.objects.count())

    again = run_import("pagerduty", path)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2, "failed": 0}
    assert (
        Incident.objects.count(),
        TimelineEvent.objects.count(),
        PlaceholderPerson.objects.count(),
    ) == counts

    data = json.loads(path.read_text())
    data["incidents"][0]["title"] = "The server was on fire"
    data["incidents"][0]["priority"]["summary"] = "P1"
    data["incidents"][0]["log_entries"][2]["channel"]["summary"] = "Failed over to relay B."
    path.write_text(json.dumps(data))
    changed = run_import("pagerduty", path)

    assert changed.counts == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    fire = _fire()
    assert fire.title == "The server was on fire"
    assert fire.severity == "SEV1"
    assert fire.events.filter(body__contains="Failed over to relay B.").count() == 1
    assert not fire.events.filter(body__contains="standby mail relay").exists()
    # The change is audited like any other: a system entry and a history row.
    assert fire.events.filter(source="system", kind="severity_change").exists()
    assert fire.history.count() >= 2
    assert Incident.objects.count() == counts[0]


def test_imports_queue_no_reminders_or_generation(run_import: Any) -> None:
    run_import("pagerduty", FILE)

    assert not Job.objects.exists()


def test_a_malformed_record_imports_nothing_and_names_record_and_field(
    run_import: Any, fixture_copy: Any
) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    data["incidents"][0]["log_entries"][1]["created_at"] = "last tuesday"
    path.write_text(json.dumps(data))

    report = run_import("pagerduty", path)

    assert report.counts["created"] == 1
    assert report.counts["failed"] == 1
    error = report.errors[0]
    assert error.record == "pagerduty PT4KHLK"
    assert error.field == "log_entries[1].created_at"
    assert "'last tuesday' is not an ISO 8601 time" in error.message
    assert not ImportedRecord.objects.filter(external_id="PT4KHLK").exists()
    assert not Incident.objects.filter(title="The server is on fire.").exists()


def test_a_record_the_services_refuse_leaves_nothing_behind(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    # Resolved before it started: the incident service refuses it, after placeholders were made.
    data["incidents"][0]["resolved_at"] = "2025-10-06T20:00:00Z"
    data["incidents"][0]["log_entries"] = []
    path.write_text(json.dumps(data))

    report = run_import("pagerduty", path)

    assert report.counts["failed"] == 1
    assert report.errors[0].field == "resolved_at"
    assert not PlaceholderPerson.objects.filter(name="Earline Greenholt").exists()
    assert Incident.objects.count() == 1


def test_times_outside_1970_to_next_year_are_refused(run_import: Any, fixture_copy: Any) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    data["incidents"][1]["created_at"] = "1969-12-31T23:59:59Z"
    path.write_text(json.dumps(data))

    report = run_import("pagerduty", path)

    assert report.errors[0].record == "pagerduty PQ7B3RT"
    assert report.errors[0].field == "created_at"
    assert "outside 1970" in report.errors[0].message


def test_a_dry_run_reports_and_writes_nothing(run_import: Any) -> None:
    report = run_import("pagerduty", FILE, dry_run=True)

    assert report.counts["created"] == 2
    assert report.placeholders == ["Earline Greenholt", "Kim Responder"]
    assert not Incident.objects.exists()
    assert not PlaceholderPerson.objects.exists()


def test_the_command_imports_a_folder_and_reports(db: Any, tmp_path: Path, capsys: Any) -> None:
    source = Path(__file__).parent / "fixtures" / FILE
    (tmp_path / "a.json").write_text(source.read_text())

    call_command("import_incidents", "--from", "pagerduty", str(tmp_path), "--private")

    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 0 failed." in out
    assert Incident.objects.filter(private=True).count() == 2


def test_the_command_refuses_a_file_that_is_not_json(db: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"incidents": [')

    with pytest.raises(CommandError, match="broken.json is not valid JSON"):
        call_command("import_incidents", "--from", "pagerduty", str(broken))
    assert not Incident.objects.exists()


def test_an_entry_the_timeline_service_refuses_fails_its_record_naming_the_entry(
    run_import: Any, fixture_copy: Any
) -> None:
    path = fixture_copy(FILE)
    data = json.loads(path.read_text())
    for entry in data["incidents"][0]["log_entries"]:
        entry["summary"] = "x" * 25_000  # past the timeline's 20,000-character limit
        entry.pop("channel", None)
    path.write_text(json.dumps(data))

    report = run_import("pagerduty", path)

    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "failed": 1}
    error = report.errors[0]
    assert (error.record, error.field) == ("pagerduty PT4KHLK", "entries[0].body")
    assert "20000 characters" in error.message
    assert not ImportedRecord.objects.filter(external_id="PT4KHLK").exists()
    assert not TimelineEvent.all_objects.filter(body__startswith="xxxx").exists()
