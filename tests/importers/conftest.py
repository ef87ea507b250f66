from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from incidents.importers.registry import importer_for
from incidents.importers.runner import ImportReport, import_run

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def run_import(db: Any) -> Any:
    """Return a function that imports a fixture (or any path) from a source and returns the report."""

    def run(
        source: str,
        path: str | Path,
        *,
        actor: Any = None,
        dry_run: bool = False,
        force: bool = False,
        **options: Any,
    ) -> ImportReport:
        target = Path(path)
        if not target.is_absolute():
            target = FIXTURES / target
        return import_run(
            importer=importer_for(source, **options), path=target, actor=actor, dry_run=dry_run, force=force
        )

    return run


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Any:
    """Copy a fixture to a temporary file the test may change."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(FIXTURES / name, target)
        return target

    return copy
