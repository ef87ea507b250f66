from __future__ import annotations

from rest_framework import pagination

from incidents.pagination import LastPageCountingPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}`; `?page=` and `?page_size=` (at most 100).

    A page that is the last is counted without COUNT(*) (see LastPageCountingPaginator).
    """

    django_paginator_class = LastPageCountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 100
