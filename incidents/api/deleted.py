"""Deleted rows over HTTP, one mechanism for timeline entries, causes and action items.

Admins list an incident's soft-deleted rows with `?deleted=true` on its nested list and restore one
with `POST …/{id}/restore/`. Anyone else asking for deleted rows gets a 403 that says so, rather
than an empty list that would look like nothing was ever deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.fields import utc_iso
from incidents.permissions import is_admin
from timeline.actors import Actor

DELETED = OpenApiParameter(
    "deleted",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    required=False,
    description="`true`: the soft-deleted ones instead, latest deleted first, each with `deleted_at` "
    "and `deleted_by`. Admins only (403 for anyone else).",
)
RESTORE_DESCRIPTION = (
    "Undo a delete. Admins only (403 for anyone else; 404 when you may not see the incident)."
)


def wants_deleted(request: Request) -> bool:
    """Read `?deleted=true|false`; only admins may ask for deleted rows."""
    value = request.query_params.get("deleted")
    if value is None or value.strip().lower() == "false":
        return False
    if value.strip().lower() != "true":
        raise ValidationError({"deleted": "Use true or false."})
    if not is_admin(request.user):
        raise PermissionDenied("Only admins can see deleted entries.")
    return True


def with_deletion(data: Iterable[dict[str, Any]], rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Add when and by whom each row was deleted to its representation."""
    return [
        {
            **item,
            "deleted_at": utc_iso(row.deleted_at),
            "deleted_by": row.deleted_by.get_username() if row.deleted_by else None,
        }
        for item, row in zip(data, rows, strict=True)
    ]


class DeletedListMixin(viewsets.GenericViewSet):
    """For an incident's nested list: answer `?deleted=true` with `deleted_page(queryset)`."""

    def deleted_page(self, queryset: Any) -> Response:
        page = self.paginate_queryset(queryset)
        rows = list(page) if page is not None else list(queryset)
        data = with_deletion(self.get_serializer(rows, many=True).data, rows)
        return self.get_paginated_response(data) if page is not None else Response(data)


class RestoreMixin(viewsets.GenericViewSet):
    """`POST …/{id}/restore/` for a row's own viewset.

    The viewset implements `deleted_row(id)`: the row, deleted or not, among those the caller may
    see (404 otherwise), and `restore_row(row, actor=…)`: the service call.
    """

    def deleted_row(self, id: str) -> Model:
        raise NotImplementedError

    def restore_row(self, row: Any, *, actor: Actor) -> Model:
        raise NotImplementedError

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, id: str) -> Response:
        # Look the row up first: someone outside a private incident gets 404, never a 403 that
        # would confirm the row exists.
        row = self.deleted_row(id)
        if not is_admin(request.user):
            raise PermissionDenied("Only admins can restore deleted entries.")
        return Response(self.get_serializer(self.restore_row(row, actor=request.user)).data)
