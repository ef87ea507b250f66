from typing import Any

from django.core.management.base import BaseCommand

from incidents.demo import PASSWORD, USERS, load_demo
from incidents.models import Incident


class Command(BaseCommand):
    help = (
        "Create demo users and six months of demo incidents (safe to run again: adds only what is missing)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="Do not print the demo logins (`make run` prints them once, as the server starts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        added = load_demo(self.stdout)
        if added:
            incidents = Incident.objects.count()
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded: {incidents} incidents ({added} records added).")
            )
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        if not options["no_logins"]:
            self.stdout.write(f"Demo logins (password {PASSWORD}): {', '.join(USERS)}")
