"""A large synthetic import: 10,000 PagerDuty incidents × 20 log entries, through the importer.

Writes a PagerDuty REST v2 export (a folder of files, 100 incidents each, log entries inline, 40
responders) to a temporary folder, then times `import_run` over it into a throwaway database
(SQLite by default; DATABASE_URL's server with a test_ prefix, e.g. postgres://…/h7_bench), and
samples the process's resident memory ten times (every 1,000 incidents): it must stay flat as the
count grows, because records are read one at a time and written a batch (100 new records) at a
time. A re-run of the same folder (every record unchanged) is timed too.
Targets: the import under 2 minutes; resident memory growing < 50 MB from the first sample to the last.
Run: .venv/bin/python bench/bench_import.py  (INCIDENTS=1000 ENTRIES=20 to go smaller)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

INCIDENTS = int(os.environ.get("INCIDENTS", "10000"))
ENTRIES = int(os.environ.get("ENTRIES", "20"))
PER_FILE = 100
# Resident memory is sampled ten times over the run (every 1,000 incidents at the full size).
SAMPLE_EVERY = max(1, INCIDENTS // 10)
TARGET_SECONDS = 120.0
TARGET_GROWTH_MB = 50.0
TYPES = ["annotate_log_entry", "notify_log_entry", "escalate_log_entry", "assign_log_entry"]


def _user(n: int) -> dict[str, str]:
    return {"id": f"PU{n:05d}", "type": "user_reference", "summary": f"Responder {n}"}


def write_export(folder: Path) -> None:
    began = datetime(2020, 1, 1, tzinfo=UTC)
    for first in range(0, INCIDENTS, PER_FILE):
        incidents = []
        for number in range(first, min(first + PER_FILE, INCIDENTS)):
            created = began + timedelta(hours=number * 3)
            responder = _user(number % 40)
            entries = []
            for position in range(ENTRIES):
                kind = "trigger_log_entry" if position == 0 else TYPES[position % len(TYPES)]
                if position == ENTRIES - 1:
                    kind = "resolve_log_entry"
                entries.append(
                    {
                        "id": f"L{number:06d}{position:03d}",
                        "type": kind,
                        "summary": f"Step {position} of incident {number}",
                        "created_at": (created + timedelta(minutes=position)).isoformat(),
                        "agent": responder,
                        "channel": {
                            "type": "note",
                            "summary": f"note {position}: checked shard {position % 16}",
                        },
                    }
                )
            incidents.append(
                {
                    "id": f"P{number:07d}",
                    "type": "incident",
                    "title": f"Synthetic incident {number}",
                    "html_url": f"https://example.pagerduty.com/incidents/P{number:07d}",
                    "created_at": created.isoformat(),
                    "status": "resolved",
                    "urgency": "high",
                    "priority": {"summary": f"P{1 + number % 4}"},
                    "service": {"summary": f"service-{number % 25}"},
                    "assignments": [{"at": created.isoformat(), "assignee": responder}],
                    "resolved_at": (created + timedelta(minutes=ENTRIES)).isoformat(),
                    "log_entries": entries,
                }
            )
        (folder / f"incidents-{first // PER_FILE:05d}.json").write_text(json.dumps({"incidents": incidents}))


def resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def main() -> int:
    from incidents.importers.registry import importer_for
    from incidents.importers.runner import ImportReport, import_run
    from incidents.models import Incident
    from timeline.models import TimelineEvent

    setup_test_environment()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(settings.BASE_DIR) / "bench-import.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    samples: list[tuple[int, float]] = []

    def progress(report: ImportReport) -> None:
        if report.processed % SAMPLE_EVERY == 0:
            samples.append((report.processed, resident_mb()))
            seconds = time.perf_counter() - began
            print(f"  {report.processed:6d} incidents  {seconds:6.1f} s  RSS {samples[-1][1]:6.0f} MB")

    try:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            write_export(folder)
            files = (INCIDENTS + PER_FILE - 1) // PER_FILE
            print(
                f"wrote {INCIDENTS} incidents × {ENTRIES} log entries in {files} files on {connection.vendor}"
            )
            began = time.perf_counter()
            report = import_run(importer=importer_for("pagerduty"), path=folder, progress=progress)
            elapsed = time.perf_counter() - began
            print(f"import: {elapsed:.1f} s, {report.counts}")
            began = time.perf_counter()
            again = import_run(importer=importer_for("pagerduty"), path=folder)
            rerun = time.perf_counter() - began
            print(f"re-run (all unchanged): {rerun:.1f} s, {again.counts}")
        entries = TimelineEvent.objects.filter(source="import").count()
        print(f"rows: {Incident.objects.count()} incidents, {entries} imported entries")
        growth = samples[-1][1] - samples[0][1] if len(samples) > 1 else 0.0
        time_ok = elapsed < TARGET_SECONDS
        memory_ok = growth < TARGET_GROWTH_MB
        print(f"targets: < {TARGET_SECONDS:.0f} s -> {elapsed:.1f} s  {'ok' if time_ok else 'MISSED'}")
        verdict = "ok" if memory_ok else "MISSED"
        print(f"         RSS growth < {TARGET_GROWTH_MB:.0f} MB -> {growth:+.1f} MB  {verdict}")
        ok = time_ok and memory_ok and report.counts["failed"] == 0
        return 0 if ok else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
