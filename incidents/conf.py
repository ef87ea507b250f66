"""Hindsight's own settings (the HINDSIGHT dict in config/settings), typed for callers."""

from typing import Any

from django.conf import settings


def hindsight_setting(key: str) -> Any:
    """Return HINDSIGHT[key] from the settings."""
    values: dict[str, Any] = getattr(settings, "HINDSIGHT", {})
    return values[key]
