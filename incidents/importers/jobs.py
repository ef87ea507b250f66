"""The `imports.run` job: an import (or its dry run) started from the admin page, on a worker.

The uploaded export travels in the job's kwargs (the outbox row), so any worker on any host can run
it. Progress is written to the job's `result` as records are processed; the final report replaces
it. Safe to run twice: a re-run of an import updates what it created and duplicates nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from incidents.importers.base import ImportFileError
from incidents.importers.registry import importer_for
from incidents.importers.runner import ImportReport, import_run
from incidents.jobs import job_handler
from incidents.models import Job
from incidents.postmortems.services import user_for_id

IMPORT_JOB = "imports.run"
PROGRESS_EVERY_SECONDS = 1.0


@job_handler(IMPORT_JOB)
def run_import_job(
    *,
    run_id: str,
    source: str,
    filename: str,
    content: str,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    private: bool = False,
    dry_run: bool = True,
    actor_id: int | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Write the upload to a temporary file and import it, reporting progress on the job row."""
    job = (
        Job.objects.filter(name=IMPORT_JOB, kwargs__run_id=run_id, kwargs__dry_run=dry_run).only("pk").first()
    )
    last = 0.0

    def progress(report: ImportReport) -> None:
        nonlocal last
        now = time.monotonic()
        if job is not None and now - last >= PROGRESS_EVERY_SECONDS:
            last = now
            Job.objects.filter(pk=job.pk).update(
                result={"processed": report.processed, "counts": report.counts}
            )

    suffix = Path(filename).suffix if Path(filename).suffix in (".json", ".csv") else ".json"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_text(content, encoding="utf-8")
        try:
            importer = importer_for(source, mapping=mapping or {}, timezone=timezone, private=private)
            report = import_run(
                importer=importer, path=path, actor=user_for_id(actor_id), dry_run=dry_run, progress=progress
            )
        except ImportFileError as error:
            return {"file_error": str(error).replace(str(path), filename).replace(path.name, filename)}
    return {"processed": report.processed, **report.as_dict()}
