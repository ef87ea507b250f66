"""The audit trail's history manager (django-simple-history), shared by every model with history.

simple-history's descriptor builds its manager with `HistoryManager.from_queryset(...)` on every
access, and `from_queryset` creates a new class each time; recording one change reads it, so every
write paid for a class creation (about a tenth of adding a timeline entry). The class is the same
every time: make it once.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simple_history.manager import HistoryManager


class HistoryManagerMadeOnce(HistoryManager):  # type: ignore[misc]
    _made: ClassVar[dict[tuple[Any, ...], Any]] = {}

    @classmethod
    def from_queryset(cls, queryset_class: Any, class_name: str | None = None) -> Any:
        key = (cls, queryset_class, class_name)
        made = cls._made.get(key)
        if made is None:
            made = cls._made[key] = super().from_queryset(queryset_class, class_name)
        return made
