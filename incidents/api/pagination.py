from __future__ import annotations

from functools import partial
from typing import Any

from rest_framework import pagination
from rest_framework.request import Request

from incidents.pagination import KnownCountPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}`; `?page=` and `?page_size=` (at most 100).

    A view that knows the total (`known_count`, see IncidentViewSet.list) spares the COUNT query;
    otherwise a page that is the last is counted without it (see KnownCountPaginator).
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    known_count: int | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.django_paginator_class = partial(KnownCountPaginator, known_count=self.known_count)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)
