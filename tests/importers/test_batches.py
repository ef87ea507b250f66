"""New records are written in batches (`records_write_new` through `incidents_record_many`): what a
batch writes must be what declaring each record alone writes, and a bad record must still fail alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from incidents.importers import runner
from incidents.importers.base import Importer, Parsed
from incidents.importers.batches import BatchFallback, records_write_new
from incidents.importers.models import ImportedRecord, PlaceholderPerson
from incidents.importers.people import People
from incidents.importers.records import CauseRecord, EntryRecord, PersonRef, SourceRecord
from incidents.importers.runner import import_run
from incidents.importers.writer import record_write
from incidents.models import Cause, Counter, Incident
from incidents.search_index import SearchDocument
from tests.factories import UserFactory
from timeline.models import TimelineEvent

BEGAN = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _record(number: int, **changes: Any) -> SourceRecord:
    started = BEGAN + timedelta(days=number)
    values: dict[str, Any] = {
        "source": "test",
        "external_id": f"R{number}",
        "title": f"Checkout errors {number}",
        "severity": "SEV2",
        "status": "resolved",
        "summary": "Payments failed for some users.",
        "services": ["checkout", "Payments"],
        "tags": ["payments"],
        "commander": PersonRef(external_id="U1", name="Ada Lovelace", email="ada@example.com"),
        "participants": [PersonRef(external_id="U2", name="Grace Hopper")],
        "started_at": started,
        "detected_at": started + timedelta(minutes=2),
        "resolved_at": started + timedelta(hours=1),
        "entries": [
            EntryRecord(
                external_id=f"E{number}-{position}",
                occurred_at=started + timedelta(minutes=position),
                body=f"Step {position}: checked the zanzibar shard",
                author=PersonRef(external_id="U2", name="Grace Hopper"),
                is_key=position == 0,
            )
            for position in range(3)
        ],
    }
    values.update(changes)
    return SourceRecord(**values)


class _Given(Importer):
    """An importer whose records the test gives (the path is not read)."""

    source = "test"

    def __init__(self, records: list[Parsed]) -> None:
        super().__init__()
        self.given = records

    def records(self, path: Path) -> Iterator[Parsed]:
        yield from self.given


def _run(records: list[Parsed], **options: Any) -> runner.ImportReport:
    return import_run(importer=_Given(records), path=Path("."), **options)


def _shape(incident: Incident) -> dict[str, Any]:
    """What an imported incident holds, without what differs between two incidents (ids, times)."""
    events = TimelineEvent.objects.filter(incident=incident).order_by("occurred_at", "pk")
    return {
        "fields": {
            field: getattr(incident, field)
            for field in ("title", "severity", "status", "summary", "tags", "private", "resolved_at")
        },
        "commander": incident.commander.username,
        "reporter": incident.reporter_id,
        "services": sorted(incident.services.values_list("name", flat=True)),
        "participants": sorted(incident.participants.values_list("username", flat=True)),
        "entries": [
            (event.source, event.kind, event.body, event.is_key, getattr(event.author, "username", None))
            for event in events
        ],
        "entry_history": sum(event.history.count() for event in events),
        "history_services": sorted(
            link.service.name for link in incident.history.order_by("-history_id").first().services.all()
        ),
        "indexed": SearchDocument.objects.filter(incident_id=incident.pk).count(),
    }


def test_a_batch_writes_what_declaring_each_record_alone_writes(db: Any) -> None:
    people = People("test")
    alone = record_write(record=_record(1), actor=None, people=people).incident
    result = records_write_new(records=[_record(2), _record(3)], actor=None, people=people)

    assert [incident.reference for _, incident in result.written] == ["INC-2", "INC-3"]
    batched = result.written[0][1]
    assert batched is not None
    assert alone is not None
    expected = _shape(alone)
    expected["fields"]["title"] = "Checkout errors 2"
    expected["fields"]["resolved_at"] = _record(2).resolved_at
    got = _shape(batched)
    assert got == expected
    # One "Incident declared" system entry and the three imported ones, each with a history row.
    assert [entry[0] for entry in got["entries"]].count("system") == 1
    assert got["entry_history"] == 4
    # The created history row carries the services, as the audit trail shows them.
    assert got["history_services"] == ["Payments", "checkout"]
    assert batched.history.first().history_type == "+"
    assert got["indexed"] == 1 + 4  # the incident and its entries are searchable at once
    assert Counter.objects.get(name="incident").value == 3


def test_a_refused_record_fails_alone_and_the_rest_of_its_batch_is_written(db: Any) -> None:
    bad = _record(
        2,
        # Resolved before it started: `incident_declare`'s lifecycle check refuses it.
        resolved_at=BEGAN,
        commander=PersonRef(external_id="U9", name="Only In The Bad Record"),
    )

    report = _run([_record(1), bad, _record(3)])

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert [(row.outcome, row.record) for row in report.rows] == [
        ("created", "test R1"),
        ("created", "test R3"),
    ]
    assert (report.errors[0].record, report.errors[0].field) == ("test R2", "resolved_at")
    # Numbers stay gapless; nothing of the refused record is left, not even its placeholder person.
    assert sorted(Incident.objects.values_list("reference", flat=True)) == ["INC-1", "INC-2"]
    assert not ImportedRecord.objects.filter(external_id="R2").exists()
    assert not PlaceholderPerson.objects.filter(name="Only In The Bad Record").exists()
    assert not get_user_model().objects.filter(first_name="Only").exists()
    assert PlaceholderPerson.objects.filter(name="Ada Lovelace").count() == 1


def test_an_entry_refused_in_a_batch_is_named_as_the_source_numbers_it(db: Any) -> None:
    record = _record(1)
    # The source lists E1-0 twice (it is written once, as last given): positions must still match.
    record.entries.insert(1, EntryRecord(external_id="E1-0", occurred_at=BEGAN, body="repeated"))
    record.entries.append(EntryRecord(external_id="E1-9", occurred_at=BEGAN, body="   "))

    report = _run([record, _record(2)])

    assert report.counts["created"] == 1
    assert (report.errors[0].record, report.errors[0].field) == ("test R1", "entries[4].body")


def test_a_record_refused_while_writing_sends_its_batch_one_at_a_time(db: Any) -> None:
    # A cause is checked as it is written, after the batch's incidents: the batch is rolled back.
    bad = _record(2, causes=[CauseRecord(external_id="C1", category="capacity", description="  ")])
    with pytest.raises(BatchFallback):
        records_write_new(records=[_record(1), bad], actor=None, people=People("test"))
    assert not Incident.objects.exists()
    assert not get_user_model().objects.exists()

    report = _run([_record(1), bad, _record(3)])

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert (report.errors[0].record, report.errors[0].field) == ("test R2", "causes[0].description")
    assert sorted(Incident.objects.values_list("reference", flat=True)) == ["INC-1", "INC-2"]
    assert not Cause.objects.exists()


def test_causes_of_a_batched_record_are_written_through_the_cause_service(db: Any) -> None:
    record = _record(
        1, causes=[CauseRecord(external_id="C1", category="capacity", description="Pool too small")]
    )

    _run([record])

    cause = Cause.objects.get()
    assert (cause.category, cause.status, cause.description) == ("capacity", "suspected", "Pool too small")
    assert cause.history.count() == 1
    assert ImportedRecord.objects.filter(kind="cause", object_id=cause.pk).exists()


def test_a_record_given_twice_in_one_file_is_one_incident_updated(db: Any) -> None:
    report = _run([_record(1), _record(1, title="Checkout errors, retitled")])

    assert report.counts["created"] == 1
    assert report.counts["updated"] == 1
    assert list(Incident.objects.values_list("title", flat=True)) == ["Checkout errors, retitled"]


def test_a_re_run_reports_unchanged_records_without_writing(
    db: Any, django_assert_max_num_queries: Any
) -> None:
    records = [_record(number) for number in range(1, 6)]
    _run(records)
    before = Incident.objects.get(reference="INC-1").updated_at

    with django_assert_max_num_queries(3):
        report = _run(records)

    assert report.counts["unchanged"] == 5
    assert [row.reference for row in report.rows] == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    assert Incident.objects.get(reference="INC-1").updated_at == before


def test_a_dry_run_of_a_batch_reports_exactly_and_leaves_no_trace(db: Any) -> None:
    records = [_record(1), _record(2, resolved_at=BEGAN), _record(3)]

    rehearsal = _run(records, dry_run=True)

    assert rehearsal.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert sorted(rehearsal.placeholders) == ["Ada Lovelace", "Grace Hopper"]
    assert not Incident.objects.exists()
    assert not get_user_model().objects.exists()
    assert not TimelineEvent.all_objects.exists()
    real = _run(records)
    assert real.counts == rehearsal.counts
    assert sorted(Incident.objects.values_list("reference", flat=True)) == ["INC-1", "INC-2"]


def test_batches_split_a_large_import_and_a_viewer_cannot_import(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    report = _run([_record(number) for number in range(1, 6)])
    assert report.counts["created"] == 5
    assert list(Incident.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4, 5]

    viewer = UserFactory(role="viewer")
    refused = _run([_record(9)], actor=viewer)
    assert refused.counts["failed"] == 1
    assert "responders" in refused.errors[0].message
    assert Incident.objects.count() == 5


def test_a_service_name_the_service_refuses_fails_its_record_alone(db: Any) -> None:
    report = _run([_record(1, services=["checkout", "x" * 101]), _record(2, services=["  ", "checkout"])])

    assert (report.errors[0].record, report.errors[0].field) == ("test R1", "services")
    assert "at most 100 characters" in report.errors[0].message
    # A blank name is left out, as `incident_declare` leaves it out.
    assert list(Incident.objects.get().services.values_list("name", flat=True)) == ["checkout"]
