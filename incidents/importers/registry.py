"""The sources `import_incidents --from` and the admin's import page offer, by name."""

from __future__ import annotations

from typing import Any

from incidents.importers.base import Importer, ImportFileError
from incidents.importers.csv import CsvImporter
from incidents.importers.jira import JiraImporter
from incidents.importers.opsgenie import OpsgenieImporter
from incidents.importers.pagerduty import PagerDutyImporter

# A new source is a module with an Importer subclass, listed here.
IMPORTERS: dict[str, type[Importer]] = {
    importer.source: importer for importer in (CsvImporter, JiraImporter, OpsgenieImporter, PagerDutyImporter)
}


def importer_for(source: str, **options: Any) -> Importer:
    """Return the importer called `source`, configured with `options`."""
    try:
        return IMPORTERS[source](**options)
    except KeyError as error:
        raise ImportFileError(
            f"No importer called {source!r}; choose one of {', '.join(sorted(IMPORTERS))}."
        ) from error


def sources() -> list[tuple[str, str]]:
    """(name, label) of every importer, for forms and help texts."""
    return sorted((name, importer.label) for name, importer in IMPORTERS.items())
