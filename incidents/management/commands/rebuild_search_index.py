"""`python manage.py rebuild_search_index`: fill the search index afresh from every source's live rows.

Needed after loading data that bypassed the services' hooks (`loaddata`, SQL), or to check that the
index matches the record; `migrate` runs it once by itself when the index is empty.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from incidents.search_index import rebuild


class Command(BaseCommand):
    help = "Rebuild the full-text search index from incidents, timeline entries, causes, action items, …"

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        counts = rebuild()
        total = sum(counts.values())
        detail = ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {total:,} documents ({detail}) in {time.monotonic() - began:.1f} s.")
        )
