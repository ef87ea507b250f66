"""Run an import: read a source's records one at a time and write each in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from incidents.importers.base import Importer
from incidents.importers.people import People
from incidents.importers.records import RecordError
from incidents.importers.writer import CREATED, UNCHANGED, UPDATED, record_write
from timeline.actors import Actor

# Rows kept in a report's lists; the counts are always complete.
REPORT_ROWS = 500


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

    A dry run writes each record and rolls it back, so it reports exactly what a real run would
    create, update, skip and refuse (service validation included) and leaves no trace.
    ImportFileError (an unreadable file) stops the run; records already written stay written.
    """
    report = ImportReport(source=importer.source, dry_run=dry_run)
    people = People(importer.source, rehearsal=dry_run)
    for parsed in importer.records(path):
        if isinstance(parsed, RecordError):
            report.add(_failed(parsed))
        else:
            if importer.options.get("private"):
                parsed.private = True
            try:
                if dry_run:
                    outcome, reference = _rehearse(parsed, actor, people, force)
                else:
                    result = record_write(record=parsed, actor=actor, people=people, force=force)
                    outcome = result.outcome
                    reference = result.incident.reference if result.incident else ""
            except RecordError as error:
                report.add(_failed(error))
            else:
                report.add(
                    ReportRow(outcome=outcome, record=parsed.label, title=parsed.title, reference=reference)
                )
        if progress is not None:
            progress(report)
    report.placeholders = list(dict.fromkeys(people.placeholders))
    return report


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
