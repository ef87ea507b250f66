"""The incident record over HTTP. Views look objects up through selectors and write through services."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors, services
from incidents.api.base import WRITE_ERRORS, errors, not_modified
from incidents.api.errors import validation_error_detail
from incidents.api.lookups import incident_or_404
from incidents.api.serializers import (
    IncidentDetailSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    IncidentWriteSerializer,
)
from incidents.exceptions import ConflictError
from incidents.extensions import nest_dotted, split_extension_data
from incidents.filters import IncidentFilterSet
from incidents.models import Incident

INCIDENT_ID = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Reference (`INC-12`) or numeric id."
)
NESTED_INCIDENT_ID = OpenApiParameter(
    "incident_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Reference (`INC-12`) or numeric id."
)
OBJECT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The `version` (or ETag) you read; a stale one is refused with 409.",
)
_ETAG_VERSION = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


@contextmanager
def _nested_errors() -> Iterator[None]:
    """Answer errors on values inside a field nested: `{"custom_fields": {"region": [...]}}`."""
    try:
        yield
    except ValidationError as error:
        raise DRFValidationError(nest_dotted(validation_error_detail(error))) from error


def _etag(incident: Incident) -> str:
    return f'"{incident.version}"'


def _expected_version(request: Request, body_version: int | None, incident: Incident) -> int | None:
    header = request.headers.get("If-Match")
    header_version: int | None = None
    if header is not None and header.strip() != "*":
        match = _ETAG_VERSION.match(header.strip())
        if match is None:
            raise ValidationError({"If-Match": 'Give the version you read, e.g. If-Match: "3".'})
        header_version = int(match.group(1))
    if header_version is not None and body_version is not None and header_version != body_version:
        # One of the two is stale, whichever it is: refuse rather than guess.
        raise ConflictError(incident.version)
    return body_version if body_version is not None else header_version


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        description="Incidents you may see, newest first. Private incidents of others never appear.",
        responses={200: IncidentSerializer(many=True), **errors(400, 404)},
    ),
    create=extend_schema(
        summary="Declare an incident",
        description="A title and a severity are enough. `detected_at` defaults to now and "
        "`started_at` to `detected_at`. Responders and admins only.",
        request=IncidentWriteSerializer,
        responses={201: IncidentDetailSerializer, **errors(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="Get an incident",
        parameters=[INCIDENT_ID],
        responses={200: IncidentDetailSerializer, **errors(304, 404)},
    ),
    partial_update=extend_schema(
        summary="Edit an incident",
        description="Send only what changes. Include `version` (or an `If-Match` header) to be "
        "refused with 409 instead of overwriting someone else's newer edit.",
        parameters=[INCIDENT_ID, IF_MATCH],
        request=IncidentUpdateSerializer,
        responses={200: IncidentDetailSerializer, **errors(*WRITE_ERRORS, 409)},
    ),
)
class IncidentViewSet(viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = IncidentFilterSet
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.incident_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def _respond(self, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
        serializer = IncidentDetailSerializer(incident, context=self.get_serializer_context())
        response = Response(serializer.data, status=code)
        response["ETag"] = _etag(incident)
        return response

    def create(self, request: Request) -> Response:
        serializer = IncidentWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data, extra = split_extension_data(serializer.validated_data)
        with _nested_errors():
            incident = services.incident_declare(actor=request.user, extra=extra, **data)
        response = self._respond(incident, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    def retrieve(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        return not_modified(request, _etag(incident)) or self._respond(incident)

    def partial_update(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        serializer = IncidentUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = _expected_version(request, data.pop("version", None), incident)
        if "duplicate_of" in data:
            data["duplicate_of"] = self._original(data["duplicate_of"])
        with _nested_errors():
            updated = services.incident_update(
                incident=incident, actor=request.user, data=data, expected_version=expected
            )
        return self._respond(updated)

    def _original(self, reference: str | None) -> Incident | None:
        if not reference:
            return None
        try:
            return incident_or_404(self.request.user, reference)
        except NotFound as error:
            raise ValidationError({"duplicate_of": f"No incident {reference!r}."}) from error


class IncidentChildViewSet(viewsets.GenericViewSet):
    """Lists and creates things inside one incident: `/incidents/{incident_id}/<things>/`."""

    def incident(self) -> Incident:
        return incident_or_404(self.request.user, self.kwargs["incident_id"])
