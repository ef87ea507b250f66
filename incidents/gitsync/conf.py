"""The Git sync's settings (HINDSIGHT["GIT_…"], from HINDSIGHT_GIT_… environment variables)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from incidents.gitsync.repository import GitTarget


def _value(key: str, default: object = "") -> object:
    values: dict[str, object] = getattr(settings, "HINDSIGHT", {})
    return values.get(key, default)


def git_target() -> GitTarget | None:
    """The configured repository, or None while `HINDSIGHT_GIT_REPOSITORY` is unset."""
    url = str(_value("GIT_REPOSITORY") or "").strip()
    if not url:
        return None
    data_dir = _value("GIT_DATA_DIR") or Path(settings.BASE_DIR) / "data" / "git"
    return GitTarget(
        url=url,
        branch=str(_value("GIT_BRANCH") or "main"),
        author_name=str(_value("GIT_AUTHOR_NAME") or "Hindsight"),
        author_email=str(_value("GIT_AUTHOR_EMAIL") or "hindsight@localhost"),
        data_dir=Path(str(data_dir)),
        username=str(_value("GIT_USERNAME") or ""),
        password=str(_value("GIT_PASSWORD") or ""),
    )


def include_private() -> bool:
    """Whether private incidents' postmortems are committed too (off unless configured)."""
    return bool(_value("GIT_INCLUDE_PRIVATE", False))


def webhook_secret() -> str:
    return str(_value("GIT_WEBHOOK_SECRET") or "")


def markdown_path(reference: str) -> str:
    return f"postmortems/{reference}.md"


def record_path(reference: str) -> str:
    return f"records/{reference}.json"
