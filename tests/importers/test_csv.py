"""CSV: one row per incident, with a column mapping given on the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.importers.base import ImportFileError
from incidents.importers.models import ImportedRecord
from incidents.models import Incident
from tests.factories import UserFactory

MAPPING = {
    "id": "Key",
    "title": "Name",
    "severity": "Sev",
    "status": "State",
    "started_at": "Opened",
    "resolved_at": "Resolved",
    "commander": "Owner",
    "tags": "Labels",
    "private": "Restricted",
    "summary": "What happened",
}


def _by_key(key: str) -> Incident:
    return ImportedRecord.objects.get(source="csv", external_id=key).incident


def test_it_imports_rows_through_a_column_map(run_import: Any) -> None:
    olivia = UserFactory(username="olivia", role="responder")

    report = run_import("csv", "incidents.csv", mapping=MAPPING, timezone="Europe/Paris")

    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    gateway = _by_key("OPS-1")
    assert (gateway.title, gateway.severity, gateway.status) == (
        "Payment gateway timeouts",
        "SEV1",
        "resolved",
    )
    # No offset in the file: read in Europe/Paris (UTC+2 in September).
    assert gateway.started_at == datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    assert gateway.resolved_at == datetime(2025, 9, 1, 10, 30, tzinfo=UTC)
    assert gateway.commander == olivia
    assert sorted(service.name for service in gateway.services.all()) == ["checkout", "payments"]
    assert gateway.tags == ["gateway", "timeouts"]
    assert gateway.summary == "Upstream gateway timed out."
    login = _by_key("OPS-2")
    assert login.started_at == datetime(2025, 9, 15, 6, 0, tzinfo=UTC)  # its own offset wins
    assert login.severity == "SEV3"
    assert login.private is True
    assert login.commander.email == ""  # a placeholder, with no address to be mailed at
    disk = _by_key("OPS-3")
    assert (disk.status, disk.resolved_at, disk.commander) == ("investigating", None, None)


def test_a_private_row_stays_private(run_import: Any, outsider: Any) -> None:
    run_import("csv", "incidents.csv", mapping=MAPPING)

    assert not Incident.objects.visible_to(outsider).filter(title="Login slow for EU users").exists()
    assert Incident.objects.visible_to(outsider).filter(title="Payment gateway timeouts").exists()


def test_re_running_never_duplicates(run_import: Any) -> None:
    run_import("csv", "incidents.csv", mapping=MAPPING)
    again = run_import("csv", "incidents.csv", mapping=MAPPING)

    assert again.counts["unchanged"] == 3
    assert Incident.objects.count() == 3


def test_a_bad_row_is_named_and_imports_nothing(run_import: Any, tmp_path: Any) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,title,severity,started_at\n"
        "A-1,Good one,SEV2,2025-01-01T10:00:00Z\n"
        "A-2,Bad severity,SEV9,2025-01-01T10:00:00Z\n"
        "A-3,Bad time,SEV2,2025-13-45T10:00:00Z\n"
    )

    report = run_import("csv", path)

    assert report.counts["created"] == 1
    assert [(row.record, row.field) for row in report.errors] == [
        ("csv A-2", "severity"),
        ("csv A-3", "started_at"),
    ]
    assert list(Incident.objects.values_list("title", flat=True)) == ["Good one"]


def test_a_map_naming_a_missing_column_is_refused_before_anything(run_import: Any) -> None:
    with pytest.raises(ImportFileError, match="no column 'Titel'"):
        run_import("csv", "incidents.csv", mapping={**MAPPING, "title": "Titel"})
    assert not Incident.objects.exists()


def test_the_command_takes_the_map(db: Any, capsys: Any) -> None:
    from tests.importers.conftest import FIXTURES

    mapping = ",".join(f"{field}={column}" for field, column in MAPPING.items())
    call_command("import_incidents", "--from", "csv", str(FIXTURES / "incidents.csv"), "--map", mapping)

    assert "3 created" in capsys.readouterr().out
    with pytest.raises(CommandError, match="FIELD=COLUMN"):
        call_command("import_incidents", "--from", "csv", str(FIXTURES / "incidents.csv"), "--map", "title")
