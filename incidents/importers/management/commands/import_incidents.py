"""python manage.py import_incidents --from SOURCE FILE_OR_DIR — bring history from another tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.importers.base import ImportFileError
from incidents.importers.registry import importer_for, sources
from incidents.importers.runner import ImportReport, import_run


def parse_map(values: list[str]) -> dict[str, str]:
    """`--map title=Name --map severity=Sev` (or `title=Name,severity=Sev`) → {field: column}."""
    mapping: dict[str, str] = {}
    for value in values:
        for pair in value.split(","):
            if not pair.strip():
                continue
            field, sep, column = pair.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise CommandError(f"--map takes FIELD=COLUMN, not {pair!r}.")
            mapping[field.strip()] = column.strip()
    return mapping


class Command(BaseCommand):
    help = "Import incidents from another tool's export; re-running updates what it created."

    def add_arguments(self, parser: CommandParser) -> None:
        names = ", ".join(name for name, _ in sources())
        parser.add_argument("--from", dest="source", required=True, help=f"The source: {names}.")
        parser.add_argument("path", help="The export file, or a folder of them.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="CSV: which column holds a field (repeatable, or comma-separated).",
        )
        parser.add_argument("--timezone", default="UTC", help="CSV: the zone of times without an offset.")
        parser.add_argument("--user", help="Import as this user (a responder); default: Hindsight itself.")
        parser.add_argument("--private", action="store_true", help="Mark every imported incident private.")
        parser.add_argument(
            "--force", action="store_true", help="Rewrite records even when unchanged since the last run."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user called {options['user']!r}.")
        try:
            importer = importer_for(
                options["source"],
                mapping=parse_map(options["map"]),
                timezone=options["timezone"],
                private=options["private"],
            )
            report = import_run(
                importer=importer,
                path=Path(options["path"]),
                actor=actor,
                dry_run=options["dry_run"],
                force=options["force"],
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        self._print(report)
        if report.counts["failed"]:
            raise CommandError(f"{report.counts['failed']} record(s) were not imported (see above).")

    def _print(self, report: ImportReport) -> None:
        verb = "would be" if report.dry_run else "were"
        for row in report.rows:
            where = f" as {row.reference}" if row.reference else ""
            self.stdout.write(f"{row.outcome:<9} {row.record}{where}: {row.title}")
        for row in report.errors:
            self.stderr.write(f"failed    {row.record}: {row.field}: {row.message}")
        if report.placeholders:
            self.stdout.write(
                f"People with no account here ({len(report.placeholders)}) {verb} added as placeholders: "
                + ", ".join(report.placeholders)
            )
        counts = report.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['failed']} failed"
                + (" (dry run: nothing was written)." if report.dry_run else ".")
            )
        )
