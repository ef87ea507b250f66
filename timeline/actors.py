"""Who is acting: a signed-in user, or None for Hindsight itself."""

from __future__ import annotations

from typing import Any


def actor_or_none(actor: Any) -> Any:
    """Return the acting user, or None for the system itself (and anonymous callers)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
