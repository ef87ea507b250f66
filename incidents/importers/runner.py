"""Run an import: read a source's records one at a time; write new ones in batches, others one by one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from incidents.importers.base import Importer
from incidents.importers.batches import BatchFallback, records_write_new
from incidents.importers.models import ImportedKind, ImportedRecord
from incidents.importers.people import People
from incidents.importers.records import RecordError, SourceRecord
from incidents.importers.writer import CREATED, UNCHANGED, UPDATED, record_write
from timeline.actors import Actor

# Rows kept in a report's lists; the counts are always complete.
REPORT_ROWS = 500
# Records imported for the first time are written this many at a time, in one transaction.
BATCH_SIZE = 100


@dataclass
class ReportRow:
    outcome: str  # created, updated, unchanged, failed
    record: str
    title: str = ""
    reference: str = ""
    field: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    counts: dict[str, int] = field(
        default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0, "failed": 0}
    )
    rows: list[ReportRow] = field(default_factory=list)
    errors: list[ReportRow] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return sum(self.counts.values())

    def add(self, row: ReportRow) -> None:
        self.counts[row.outcome] = self.counts.get(row.outcome, 0) + 1
        target = self.errors if row.outcome == "failed" else self.rows
        if len(target) < REPORT_ROWS:
            target.append(row)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": dict(self.counts),
            "rows": [row.as_dict() for row in self.rows],
            "errors": [row.as_dict() for row in self.errors],
            "placeholders": self.placeholders[:REPORT_ROWS],
        }


class _DryRun(Exception):
    """Raised to roll back a record written only to see what would happen."""


def import_run(
    *,
    importer: Importer,
    path: Path,
    actor: Actor = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import every record under `path`; a record that fails is reported and imports nothing.

    Records are read one at a time and written in batches of BATCH_SIZE: those imported for the
    first time together (`records_write_new`, one transaction per batch), those seen before one by
    one (`record_write`: only what changed at the source changes here). A dry run writes each batch
    and rolls it back, so it reports exactly what a real run would create, update, skip and refuse
    (service validation included) and leaves no trace.
    ImportFileError (an unreadable file) stops the run; records already written stay written.
    """
    report = ImportReport(source=importer.source, dry_run=dry_run)
    people = People(importer.source, rehearsal=dry_run)
    batch: list[SourceRecord] = []

    def flush() -> None:
        for row in _write_batch(batch, actor=actor, people=people, dry_run=dry_run, force=force):
            report.add(row)
            if progress is not None:
                progress(report)
        batch.clear()

    for parsed in importer.records(path):
        if isinstance(parsed, RecordError):
            report.add(_failed(parsed))
            if progress is not None:
                progress(report)
            continue
        if importer.options.get("private"):
            parsed.private = True
        if any(record.external_id == parsed.external_id for record in batch):
            flush()  # the source gives a record twice: the second is an update of the first
        batch.append(parsed)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    report.placeholders = list(dict.fromkeys(people.placeholders))
    return report


def _write_batch(
    batch: list[SourceRecord], *, actor: Actor, people: People, dry_run: bool, force: bool
) -> list[ReportRow]:
    """Write a batch; return its report rows in the order the source gave the records."""
    if not batch:
        return []
    seen = {
        external_id: (fingerprint, reference)
        for external_id, fingerprint, reference in ImportedRecord.objects.filter(
            source=batch[0].source,
            kind=ImportedKind.INCIDENT,
            external_id__in=[record.external_id for record in batch],
        ).values_list("external_id", "fingerprint", "incident__reference")
    }
    rows: dict[str, ReportRow] = {}
    one_by_one = []
    for record in batch:
        if record.external_id not in seen:
            continue
        fingerprint, reference = seen[record.external_id]
        if fingerprint == record.fingerprint() and not force:
            # Nothing changed at the source since the last run: nothing to write or lock.
            rows[record.label] = ReportRow(
                outcome=UNCHANGED, record=record.label, title=record.title, reference=reference or ""
            )
        else:
            one_by_one.append(record)
    try:
        result = records_write_new(
            records=[record for record in batch if record.external_id not in seen],
            actor=actor,
            people=people,
            rehearse=dry_run,
        )
    except BatchFallback:
        one_by_one = [record for record in batch if record.label not in rows]
    else:
        for record, incident in result.written:
            reference = incident.reference if incident is not None else ""
            rows[record.label] = ReportRow(
                outcome=CREATED, record=record.label, title=record.title, reference=reference
            )
        for error in result.failed:
            rows[error.record] = _failed(error)
    for record in one_by_one:
        rows[record.label] = _write_one(record, actor=actor, people=people, dry_run=dry_run, force=force)
    return [rows[record.label] for record in batch]


def _write_one(
    record: SourceRecord, *, actor: Actor, people: People, dry_run: bool, force: bool
) -> ReportRow:
    try:
        if dry_run:
            outcome, reference = _rehearse(record, actor, people, force)
        else:
            result = record_write(record=record, actor=actor, people=people, force=force)
            outcome = result.outcome
            reference = result.incident.reference if result.incident else ""
    except RecordError as error:
        return _failed(error)
    return ReportRow(outcome=outcome, record=record.label, title=record.title, reference=reference)


def _failed(error: RecordError) -> ReportRow:
    return ReportRow(outcome="failed", record=error.record, field=error.field, message=error.message)


def _rehearse(record: Any, actor: Actor, people: People, force: bool) -> tuple[str, str]:
    outcome: list[tuple[str, str]] = []
    try:
        with transaction.atomic():
            result = record_write(record=record, actor=actor, people=people, force=force)
            reference = ""
            if result.outcome != CREATED and result.incident is not None:
                reference = result.incident.reference
            outcome.append((result.outcome, reference))
            raise _DryRun
    except _DryRun:
        pass
    return outcome[0]
