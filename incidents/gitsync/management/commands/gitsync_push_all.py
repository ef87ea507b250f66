"""python manage.py gitsync_push_all — commit every published postmortem to the Git repository."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from incidents.gitsync.conf import git_target
from incidents.gitsync.services import gitsync_push_published


class Command(BaseCommand):
    help = (
        "Queue a gitsync.push job for every published postmortem (private ones only with "
        "HINDSIGHT_GIT_INCLUDE_PRIVATE): use it after first configuring the repository. Unchanged "
        "files make no commit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if git_target() is None:
            raise CommandError("Set HINDSIGHT_GIT_REPOSITORY first (README: Postmortems in Git).")
        jobs = gitsync_push_published()
        self.stdout.write(self.style.SUCCESS(f"Queued {len(jobs)} push job(s); a worker runs them."))
