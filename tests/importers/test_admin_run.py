"""Admin → Imports → Run an import: a dry run first, then the import as a job with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.importers.jobs import IMPORT_JOB
from incidents.jobs import job_run
from incidents.models import Incident, Job
from tests.importers.conftest import FIXTURES


def _staff(user: Any) -> Any:
    user.is_staff = True
    user.save()
    return user


def _upload(client: Any, name: str, **extra: Any) -> Any:
    data = {"source": "pagerduty", "timezone": "UTC", **extra}
    data["export"] = SimpleUploadedFile(
        name, (FIXTURES / name).read_bytes() if (FIXTURES / name).exists() else b"{"
    )
    return client.post("/admin/importers/importedrecord/run/", data)


def test_the_dry_run_shows_what_will_happen_then_the_import_runs_as_a_job(
    client_for: Any, admin_user: Any
) -> None:
    client = client_for(_staff(admin_user))

    response = _upload(client, "pagerduty_incidents.json")

    assert response.status_code == 302
    dry = Job.objects.get(name=IMPORT_JOB)
    assert dry.kwargs["dry_run"] is True
    page = client.get(response["Location"])
    assert b"queued" in page.content
    job_run(job_id=str(dry.pk))  # what the worker does
    page = client.get(response["Location"])
    assert b"Would be: 2 created" in page.content
    assert b"Earline Greenholt" in page.content
    assert b"Import for real" in page.content
    assert not Incident.objects.exists()

    confirmed = client.post(response["Location"])
    real = Job.objects.exclude(pk=dry.pk).get(name=IMPORT_JOB)
    assert confirmed["Location"].endswith(f"/run/{real.pk}/")
    job_run(job_id=str(real.pk))
    real.refresh_from_db()
    assert real.status == "succeeded"
    assert real.result["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert Incident.objects.count() == 2
    page = client.get(confirmed["Location"])
    assert b"2 created" in page.content
    assert b"Import for real" not in page.content


def test_a_broken_file_reports_and_imports_nothing(client_for: Any, admin_user: Any, tmp_path: Path) -> None:
    client = client_for(_staff(admin_user))

    response = _upload(client, "broken.json")
    job = Job.objects.get(name=IMPORT_JOB)
    job_run(job_id=str(job.pk))

    page = client.get(response["Location"])
    assert b"Nothing was imported: broken.json is not valid JSON" in page.content
    assert b"Import for real" not in page.content


def test_responders_cannot_run_imports(client_for: Any, owner: Any) -> None:
    owner.is_staff = True
    owner.save()

    response = _upload(client_for(owner), "pagerduty_incidents.json")

    assert response.status_code == 403
    assert not Job.objects.exists()
