"""The lifecycle timestamps' rules, in one place that forms, the API and imports share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.choices import LIFECYCLE_FIELDS

LABELS = {
    "started_at": "started",
    "detected_at": "detected",
    "acknowledged_at": "acknowledged",
    "mitigated_at": "mitigated",
    "resolved_at": "resolved",
}


def lifecycle_errors(values: dict[str, Any]) -> dict[str, str]:
    """Return {field: message} for every timestamp earlier than one that must come before it.

    `values` maps the lifecycle fields to datetimes or None. Missing ones are skipped, so each
    present timestamp is compared with the latest present one before it.
    """
    errors: dict[str, str] = {}
    latest_field: str | None = None
    latest: datetime | None = None
    for field in LIFECYCLE_FIELDS:
        value = values.get(field)
        if value is None:
            continue
        if latest is not None and latest_field is not None and value < latest:
            errors[field] = (
                f"The incident cannot be {LABELS[field]} ({value.isoformat()}) before it was "
                f"{LABELS[latest_field]} ({latest.isoformat()})."
            )
            continue
        latest_field, latest = field, value
    return errors
