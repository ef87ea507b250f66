"""Small readers the source importers share."""

from __future__ import annotations

from typing import Any

from incidents.importers.records import RecordError


def need_dict(value: Any, *, record: str, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(record=record, field=field, message="Expected an object.")
    return value


def need_list(value: Any, *, record: str, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(record=record, field=field, message="Expected a list.")
    return value


def first_line(value: str, limit: int = 200) -> str:
    line = " ".join(value.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def obj(value: Any) -> dict[str, Any]:
    """The value if it is an object, else an empty one (for optional nested objects)."""
    return value if isinstance(value, dict) else {}
