"""Change events: `POST /api/v1/hooks/changes/` from pipelines, `GET /api/v1/incidents/{id}/changes/`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.authentication import ApiTokenAuthentication
from incidents.api.base import InputSerializer, errors
from incidents.api.fields import StrictCharField
from incidents.api.hooks import IntegrationTokenPermission
from incidents.api.lookups import id_or_404, incident_or_404
from incidents.api.pagination import PageNumberPagination
from incidents.api.serializers import CauseSerializer
from incidents.api.views import INCIDENT_ID
from incidents.models import ApiToken, ChangeEvent, ChangeKind
from incidents.services.changes import cause_from_change, change_event_record


class ChangeEventWriteSerializer(InputSerializer):
    service = StrictCharField(max_length=100, help_text="Service name; created on first use.")
    summary = StrictCharField(max_length=500)
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened (default: now).")
    url = StrictCharField(max_length=1000, required=False, allow_blank=True, help_text="Pipeline run, PR…")
    author = StrictCharField(max_length=200, required=False, allow_blank=True, help_text="Free text.")


class ChangeEventSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.name")
    # A link is optional: empty when the pipeline sent none (so not a URI-formatted string).
    url = serializers.CharField(help_text="The pipeline run, PR or change request; empty when none was sent.")

    class Meta:
        model = ChangeEvent
        fields = ["id", "service", "summary", "kind", "at", "url", "author", "source", "created_at"]
        read_only_fields = fields


class ChangeHookView(APIView):
    """`POST /api/v1/hooks/changes/`: a deploy pipeline (or config tool) reports a change."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IntegrationTokenPermission]
    # Bodies are parsed by the API's default parser (REST_FRAMEWORK settings), with its limits.

    @extend_schema(
        summary="Report a change",
        description=(
            "Call it from a deploy pipeline, a configuration tool or a feature-flag service with an "
            "integration token (`create_api_token --integration`). Incidents on the service list the "
            "changes made shortly before and while they ran."
        ),
        request=ChangeEventWriteSerializer,
        responses={201: ChangeEventSerializer, **errors(400, 403, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        serializer = ChangeEventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = request.auth
        change = change_event_record(
            **serializer.validated_data, source=token.name if isinstance(token, ApiToken) else ""
        )
        return Response(ChangeEventSerializer(change).data, status=status.HTTP_201_CREATED)


class IncidentChangesView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Changes near an incident",
        description=(
            "Changes to the incident's services from `HINDSIGHT['CHANGE_WINDOW_BEFORE']` (two hours) "
            "before `started_at` until `resolved_at` (or now), newest first."
        ),
        parameters=[INCIDENT_ID],
        responses={200: ChangeEventSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.changes_near(incident=incident), request, view=self)
        return paginator.get_paginated_response(ChangeEventSerializer(page, many=True).data)


class ChangeCauseView(APIView):
    @extend_schema(
        summary="Suspect a change of causing the incident",
        description=(
            "One click from a change listed by `GET …/changes/` to a suspected cause: a timeline entry "
            "at the change's time naming it (kind, service, summary, author, link), and a cause of "
            "category `change`, role `trigger`, status `suspected`, citing that entry as evidence. "
            "201 with the cause; 200 with the cause made before if this change was suspected already "
            "(nothing added). Responders only (403); a change not listed for the incident: 404."
        ),
        request=None,
        parameters=[
            INCIDENT_ID,
            OpenApiParameter("change_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: CauseSerializer, 201: CauseSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, id: str, change_id: str) -> Response:
        incident = incident_or_404(request.user, id)
        change = selectors.change_near_get(incident=incident, pk=id_or_404(change_id, "change"))
        if change is None:
            raise NotFound("No such change near this incident.")
        cause, created = cause_from_change(incident=incident, change=change, actor=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(CauseSerializer(cause).data, status=code)
