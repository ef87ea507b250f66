"""`GET /api/v1/incidents/{id}/history/`: the audit trail, read through `incidents.audit`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.base import errors
from incidents.api.lookups import incident_or_404
from incidents.api.views import INCIDENT_ID
from incidents.audit import ACTIONS, OBJECT_TYPES, AuditEntry, incident_audit, incident_audit_count


class HistoryQuerySerializer(serializers.Serializer):
    before = serializers.DateTimeField(required=False, help_text="Only entries older than this (a cursor).")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class ActorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(help_text="Display name (the username when none is set).")


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    before = serializers.CharField(help_text="As shown to a reader; `—` for empty.")
    after = serializers.CharField()


class AuditEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = ActorSerializer(allow_null=True, help_text="Null for Hindsight itself and webhooks.")
    action = serializers.ChoiceField(choices=list(ACTIONS.values()))
    object_type = serializers.ChoiceField(choices=OBJECT_TYPES)
    object_id = serializers.IntegerField()
    object_title = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


class AuditPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Saved versions in the whole trail.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEntrySerializer(many=True)


def _entry(entry: AuditEntry) -> dict[str, Any]:
    data = asdict(entry)
    data.pop("anchor")
    return data


class IncidentHistoryView(APIView):
    """The incident's audit trail: who changed what, when, in it and everything inside it."""

    @extend_schema(
        summary="An incident's audit trail",
        description=(
            "Every saved version of the incident, its timeline entries, causes, action items and "
            "status updates, newest first: who, when, and each changed field before and after. "
            "Page back with the `next` link (a `before` cursor). Postmortems keep their own "
            "revisions (`…/postmortem/revisions/`)."
        ),
        parameters=[
            INCIDENT_ID,
            OpenApiParameter("before", OpenApiTypes.DATETIME, description="Entries older than this."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100 (default 50)."),
        ],
        responses={200: AuditPageSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = incident_audit(
            user=request.user,
            incident=incident,
            before=query.validated_data.get("before"),
            limit=query.validated_data["page_size"],
        )
        next_url = None
        if page.cursor is not None:
            params = {"before": page.cursor.isoformat(), "page_size": query.validated_data["page_size"]}
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
        body = {
            "count": incident_audit_count(incident=incident),
            "next": next_url,
            "previous": None,
            "results": AuditEntrySerializer([_entry(entry) for entry in page.entries], many=True).data,
        }
        return Response(body)
