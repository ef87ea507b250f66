"""Every management command the README and PRODUCT.md give, started exactly as written.

Each runs as its own process (`python manage.py …`, from the checkout), pointed only by its
environment at this test's database and broker, and is shown doing its job in the database.
(`create_api_token` is run this way by test_documented_processes.py; `check --deploy` by CI.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test.utils import override_settings
from django.utils import timezone

from incidents.importers.models import ImportedRecord
from incidents.jobs import job_run
from incidents.models import Incident, Job
from incidents.postmortems.exports import export_incident
from incidents.reminders.models import Notification
from incidents.search_index import SearchDocument
from incidents.services import incident_declare
from tests.factories import RemediationActionFactory, UserFactory
from tests.gitsync.conftest import git, publish
from tests.incidents.test_documented_worker import _database_url
from tests.postmortems.conftest import record, reviewer  # noqa: F401 — shared fixtures
from tests.reminders.conftest import set_profile
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
PAGERDUTY = ROOT / "tests" / "importers" / "fixtures" / "pagerduty_incidents.json"

Manage = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def manage(transactional_db: None) -> Manage:
    """Run `python manage.py <args>` as the README writes it, against this test's database."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        # What this process wrote is committed (transactional test); the command reads it fresh.
        connections.close_all()
        done = subprocess.run(  # noqa: S603 — the documented command, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": _database_url(),
                **(env or {}),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    return run


def test_load_demo_fills_an_empty_install_once(manage: Manage) -> None:
    manage("load_demo")
    users = set(get_user_model().objects.values_list("username", flat=True))
    assert {"admin", "responder", "viewer"} <= users
    incidents = Incident.objects.count()
    assert incidents == 15

    manage("load_demo")
    assert Incident.objects.count() == incidents


def test_run_reminders_runs_one_sweep_now(manage: Manage) -> None:
    dana = set_profile(UserFactory(username="dana"), start=None, end=None, weekends=False)
    RemediationActionFactory(owner=dana, due_date=timezone.localdate(), title="Renew the certificate")

    first = manage("run_reminders")
    again = manage("run_reminders")

    assert "action_overdue → dana via email: Due today: Renew the certificate" in first.stdout
    assert "New reminders: none." in again.stdout
    assert Notification.objects.filter(recipient=dana).count() == 1


def test_import_incidents_rehearses_then_imports(manage: Manage) -> None:
    UserFactory(username="importer", role="responder")

    rehearsal = manage("import_incidents", "--from", "pagerduty", str(PAGERDUTY), "--dry-run")
    assert "created" in rehearsal.stdout
    assert not Incident.objects.exists()

    manage("import_incidents", "--from", "pagerduty", str(PAGERDUTY), "--user", "importer")
    imported = ImportedRecord.objects.filter(source="pagerduty", kind="incident")
    assert imported.count() == Incident.objects.count() >= 1
    fire = Incident.objects.get(title="The server is on fire.")
    assert fire.reporter.username == "importer"
    assert TimelineEvent.objects.filter(incident=fire, source="import").exists()

    manage("import_incidents", "--from", "pagerduty", str(PAGERDUTY))
    assert ImportedRecord.objects.filter(source="pagerduty", kind="incident").count() == imported.count()


def test_import_incident_restores_a_json_export(manage: Manage, tmp_path: Path) -> None:
    author = UserFactory(username="author", role="responder")
    incident = incident_declare(actor=author, title="Search index lagging", severity="SEV3")
    timeline_event_add(incident=incident, actor=author, body="Reindexed the shard", kind="action")
    path = tmp_path / "INC.json"
    path.write_text(json.dumps(export_incident(incident)))

    manage("import_incident", str(path))

    copy = Incident.objects.exclude(pk=incident.pk).get(title="Search index lagging")
    assert copy.reference != incident.reference
    assert TimelineEvent.objects.filter(incident=copy, body="Reindexed the shard").exists()


def test_generate_data_builds_volumes(manage: Manage) -> None:
    manage("generate_data", "--incidents", "12", "--events-per-incident", "3", "--seed", "7")

    assert Incident.objects.count() == 12
    assert SearchDocument.objects.filter(type="incident").count() == 12


def test_rebuild_search_index_fills_an_emptied_index(manage: Manage) -> None:
    author = UserFactory(username="author", role="responder")
    incident = incident_declare(actor=author, title="Checkout zanzibar errors", severity="SEV2")
    SearchDocument.objects.all().delete()

    done = manage("rebuild_search_index")

    assert SearchDocument.objects.filter(type="incident", object_id=incident.pk).exists()
    assert "incident" in done.stdout


def test_axes_reset_username_unlocks_a_locked_login(manage: Manage) -> None:
    UserFactory(username="locked")
    AccessAttempt.objects.create(
        username="locked", ip_address="10.0.0.7", user_agent="test", failures_since_start=20
    )

    manage("axes_reset_username", "locked")

    assert not AccessAttempt.objects.filter(username="locked").exists()


def test_gitsync_push_all_queues_what_was_published_before_git_sync(
    manage: Manage,
    tmp_path: Path,
    record: Incident,  # noqa: F811
    owner: Any,
    reviewer: Any,  # noqa: F811
) -> None:
    remote = tmp_path / "postmortems.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    publish(record, owner, reviewer)  # Git sync is not configured yet: nothing is queued for Git
    assert not Job.objects.filter(name__startswith="gitsync").exists()
    env = {"HINDSIGHT_GIT_REPOSITORY": str(remote), "HINDSIGHT_GIT_DATA_DIR": str(tmp_path / "data")}

    manage("gitsync_push_all", env=env)

    queued = list(Job.objects.filter(name__startswith="gitsync"))
    assert queued
    git_settings = {"GIT_REPOSITORY": str(remote), "GIT_DATA_DIR": str(tmp_path / "data")}
    with override_settings(HINDSIGHT={**settings.HINDSIGHT, **git_settings}):
        for job in queued:
            job_run(job_id=str(job.pk))
    files = git("ls-tree", "-r", "--name-only", "main", cwd=remote).split()
    assert f"postmortems/{record.reference}.md" in files
