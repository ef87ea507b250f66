"""Pagination shared by the UI lists and the API."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class KnownCountPaginator(Paginator):
    """A Paginator told the total by its caller (counted a cheaper way) instead of COUNT(*)."""

    def __init__(self, *args: Any, known_count: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return int(super().count)
