"""python manage.py import_incident FILE.json — restore an exported incident record here."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.postmortems.importing import incident_import


class Command(BaseCommand):
    help = "Import an incident exported as JSON (postmortem export ?format=json); it gets a new reference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="The JSON file written by the postmortem's JSON export ('-' for stdin)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path == "-":
                import sys

                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            incident = incident_import(data=data)
        except ValidationError as error:
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise CommandError(f"Not imported: {details}") from error
        original = data.get("incident", {}).get("reference", "?")
        self.stdout.write(self.style.SUCCESS(f"Imported {original} as {incident.reference}."))
