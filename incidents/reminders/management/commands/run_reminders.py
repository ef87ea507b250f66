"""`python manage.py run_reminders`: one sweep now, through the code beat runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from incidents.reminders.sweep import sweep


class Command(BaseCommand):
    help = "Evaluate the reminder rules once, send what is due, and print what was sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Run as if it were this ISO 8601 time (with offset), for trying rules out.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"].replace("Z", "+00:00"))
            except ValueError as error:
                raise CommandError(f"--now: {error}") from error
            if timezone.is_naive(now):
                raise CommandError("--now needs a timezone offset, for example 2026-11-24T09:00:00Z.")
        report = sweep(now=now)
        for line in report.sent.lines:
            self.stdout.write(f"sent {line}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
