"""Hindsight's own settings (the HINDSIGHT dict in config/settings), typed for callers."""

from typing import Any

from django.conf import settings


def hindsight_setting(key: str) -> Any:
    """Return HINDSIGHT[key] from the settings."""
    values: dict[str, Any] = getattr(settings, "HINDSIGHT", {})
    return values[key]


def absolute_url(path: str) -> str:
    """Return `path` on this site (SITE_URL) for emails, chat and webhooks; "" stays "", a full URL stays."""
    if not path:
        return ""
    return path if path.startswith("http") else f"{settings.SITE_URL}{path}"
