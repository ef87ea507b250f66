"""What every Hindsight API view shares: strict input and the error responses in the schema.

JSON-only bodies and the `IsApiUser` permission are the REST_FRAMEWORK defaults (settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response


class InputSerializer(serializers.Serializer):
    """Parse a request body: a JSON object with known fields only.

    An unknown or read-only field is a 400 rather than silently ignored: a client that misspells
    `severty` must learn about it before it trusts the result.
    """

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = {str(key): ["Unknown field."] for key in data if key not in writable}
        try:
            values: dict[str, Any] = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
            raise serializers.ValidationError({**unknown, **detail}) from error
        if unknown:
            raise serializers.ValidationError(unknown)
        return values


ErrorSerializer = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField()},
)
ConflictSerializer = inline_serializer(
    name="Conflict",
    fields={"detail": serializers.CharField(), "version": serializers.IntegerField()},
)
# Field errors: {"field": ["message", …]} (or a single string for some parse errors).
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": True,
    "example": {"severity": ["Choose one of SEV1, SEV2, SEV3, SEV4."]},
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Return the documented error responses for `codes` (401 and 429 are always possible)."""
    described = {
        304: OpenApiResponse(description="Not modified: the `If-None-Match` ETag is still current."),
        400: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Invalid input: field errors in JSON."),
        401: OpenApiResponse(ErrorSerializer, description="No credentials, or a bad or revoked token."),
        403: OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed to do this."),
        404: OpenApiResponse(ErrorSerializer, description="No such object, or not visible to you."),
        409: OpenApiResponse(ConflictSerializer, description="Stale version: reload and retry."),
        413: OpenApiResponse(ErrorSerializer, description="Request body larger than 1 MB."),
        415: OpenApiResponse(ErrorSerializer, description="The body is not JSON."),
        429: OpenApiResponse(ErrorSerializer, description="Too many requests: slow down."),
    }
    return {code: described[code] for code in sorted({401, 429, *codes})}


WRITE_ERRORS = (400, 403, 404, 413, 415)


def not_modified(request: Request, etag: str) -> Response | None:
    """Return a 304 for a GET whose `If-None-Match` names `etag` (weak or strong), else None.

    Called before the representation is built, so a client that polls an unchanged resource costs
    one lookup and no serialization.
    """
    header = request.headers.get("If-None-Match")
    if request.method not in ("GET", "HEAD") or not header:
        return None
    wanted = {tag.removeprefix("W/") for tag in parse_etags(header)}
    if "*" in wanted or etag in wanted:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return None
