"""CSV: one row per incident, columns mapped to Hindsight's fields.

By default a column called like the field (`id`, `title`, `severity`, …, case-insensitive) holds it;
`--map title=Name,severity=Sev` (or the admin page's mapping box) says otherwise. `id` and `title`
are required; times without an offset are read in `--timezone` (UTC by default).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.choices import LIFECYCLE_FIELDS
from incidents.importers.base import Importer, ImportFileError, Parsed
from incidents.importers.common import first_line
from incidents.importers.records import PersonRef, RecordError, SourceRecord, parse_time

FIELDS = (
    "id",
    "title",
    "severity",
    "status",
    "summary",
    "impact",
    "services",
    "tags",
    "commander",
    "private",
    *LIFECYCLE_FIELDS,
    "url",
)
REQUIRED = ("id", "title")

SEVERITY = {
    **{f"sev{n}": f"SEV{n}" for n in range(1, 5)},
    **{f"sev-{n}": f"SEV{n}" for n in range(1, 5)},
    **{f"p{n}": f"SEV{n}" for n in range(1, 5)},
    **{str(n): f"SEV{n}" for n in range(1, 5)},
    "p5": "SEV4",
    "critical": "SEV1",
    "major": "SEV2",
    "high": "SEV2",
    "minor": "SEV3",
    "medium": "SEV3",
    "moderate": "SEV3",
    "low": "SEV4",
    "info": "SEV4",
}
STATUS = {
    "investigating": "investigating",
    "open": "investigating",
    "triggered": "investigating",
    "acknowledged": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "mitigated": "monitoring",
    "resolved": "resolved",
    "closed": "resolved",
}
TRUE = {"1", "true", "yes", "y", "private", "restricted"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class CsvImporter(Importer):
    source = "csv"
    label = "CSV (one row per incident, columns mapped)"
    patterns = ("*.csv",)

    def _zone(self) -> ZoneInfo:
        name = self.options.get("timezone") or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ImportFileError(f"{name!r} is not a timezone (try Europe/Paris or UTC).") from error

    def _columns(self, header: list[str], file: Path) -> dict[str, str]:
        mapping: dict[str, str] = dict(self.options.get("mapping") or {})
        unknown = set(mapping) - set(FIELDS)
        if unknown:
            raise ImportFileError(
                f"--map names no field {', '.join(sorted(unknown))}; fields are {', '.join(FIELDS)}."
            )
        by_name = {column.strip().lower(): column for column in header}
        columns: dict[str, str] = {}
        for field in FIELDS:
            wanted = mapping.get(field, field)
            column = by_name.get(wanted.strip().lower())
            if column is None and field in mapping:
                raise ImportFileError(f"{file.name} has no column {wanted!r} (mapped to {field}).")
            if column is not None:
                columns[field] = column
        missing = [field for field in REQUIRED if field not in columns]
        if missing:
            raise ImportFileError(
                f"{file.name} has no {' or '.join(missing)} column; map one with --map "
                + ",".join(f"{field}=COLUMN" for field in missing)
                + "."
            )
        return columns

    def records_from_file(self, file: Path) -> Iterator[Parsed]:
        zone = self._zone()
        try:
            handle = file.open(encoding="utf-8-sig", newline="")
        except OSError as error:
            raise ImportFileError(f"Cannot read {file.name}: {error.strerror}.") from error
        with handle:
            reader = csv.DictReader(handle)
            try:
                header = reader.fieldnames or []
                columns = self._columns(list(header), file)
                for row in reader:
                    label = f"csv row {reader.line_num}"
                    try:
                        yield self.record(row, columns, zone, label)
                    except RecordError as error:
                        yield error
            except (csv.Error, UnicodeDecodeError) as error:
                raise ImportFileError(f"{file.name} is not a readable CSV file: {error}.") from error

    def record(
        self, row: dict[str, Any], columns: dict[str, str], zone: ZoneInfo, label: str
    ) -> SourceRecord:
        def value(field: str) -> str:
            column = columns.get(field)
            raw = row.get(column) if column else None
            return raw.strip() if isinstance(raw, str) else ""

        external_id = value("id")
        if not external_id:
            raise RecordError(record=label, field="id", message="This row has no id.")
        label = f"csv {external_id}"
        title = value("title")
        if not title:
            raise RecordError(record=label, field="title", message="This row has no title.")
        severity = SEVERITY.get(value("severity").lower())
        if severity is None:
            raise RecordError(
                record=label,
                field="severity",
                message=f"{value('severity')!r} is not a severity (SEV1–SEV4, P1–P4, critical…low).",
            )
        times = {
            field: parse_time(value(field), record=label, field=field, default_tz=zone)
            for field in LIFECYCLE_FIELDS
        }
        if value("status"):
            status = STATUS.get(value("status").lower())
            if status is None:
                raise RecordError(
                    record=label, field="status", message=f"{value('status')!r} is not a status."
                )
        else:
            status = "resolved" if times["resolved_at"] else "investigating"
        if times["started_at"] is None:
            raise RecordError(record=label, field="started_at", message="This row has no start time.")
        commander = value("commander")
        return SourceRecord(
            source=self.source,
            external_id=external_id,
            title=first_line(title),
            severity=severity,
            status=status,
            summary=value("summary"),
            impact=value("impact"),
            services=_split(value("services")),
            tags=[tag.lower()[:50] for tag in _split(value("tags"))][:20],
            commander=PersonRef(external_id=commander, email=commander if "@" in commander else "")
            if commander
            else None,
            private=value("private").lower() in TRUE,
            url=value("url") if value("url").startswith(("http://", "https://")) else "",
            started_at=times["started_at"],
            detected_at=times["detected_at"],
            acknowledged_at=times["acknowledged_at"],
            mitigated_at=times["mitigated_at"],
            resolved_at=times["resolved_at"],
        )
