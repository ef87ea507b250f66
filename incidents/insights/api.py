"""GET /api/v1/insights/ (the insights figures), GET /api/v1/incidents/{id}/similar/ and
GET /api/v1/incidents/{id}/fixes-not-held/."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.base import errors
from incidents.api.lookups import incident_or_404
from incidents.api.pagination import PageNumberPagination
from incidents.api.views import INCIDENT_ID
from incidents.insights.forms import filter_form
from incidents.insights.metrics import compute_insights
from incidents.insights.repeats import FixNotHeldView, fixes_not_held_for
from incidents.insights.similar import SimilarIncident, similar_incidents


class InsightsView(APIView):
    """MTTx medians and p90 (seconds) per severity and month, incidents per month, causes,
    action items on time / late / open / overdue, fixes that held, and data-quality flags.

    Duplicates and false alarms are left out; private incidents count only for those who may see them.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.STR, description="Date or datetime (UTC), inclusive."),
            OpenApiParameter(
                "until", OpenApiTypes.STR, description="Date (inclusive) or datetime (exclusive)."
            ),
            OpenApiParameter(
                "severity", OpenApiTypes.STR, description="SEV1…SEV4; comma-separated or repeated."
            ),
            OpenApiParameter("service", OpenApiTypes.STR, description="A service name."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        form = filter_form(request.query_params, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            )
        return Response(compute_insights(user=request.user, filters=form.filters()))


class SimilarIncidentSerializer(serializers.Serializer):
    reference = serializers.CharField(source="incident.reference")
    title = serializers.CharField(source="incident.title")
    severity = serializers.CharField(source="incident.severity")
    status = serializers.CharField(source="incident.status")
    started_at = serializers.DateTimeField(source="incident.started_at")
    url = serializers.SerializerMethodField(help_text="The incident in the API.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text='Why it matched: "service: api", "cause: capacity", "similar title".',
    )
    score = serializers.FloatField(help_text="Higher is more alike; only for ordering.")
    postmortem_url = serializers.SerializerMethodField(help_text="Its published postmortem, or null.")

    def get_url(self, match: SimilarIncident) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api:incident-detail", args=[match.incident.reference]))

    def get_postmortem_url(self, match: SimilarIncident) -> str | None:
        if match.postmortem_url is None:
            return None
        return self.context["request"].build_absolute_uri(match.postmortem_url)


class SimilarIncidentsView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Similar past incidents",
        description=(
            "Earlier incidents you may see, ranked by shared services, shared cause categories "
            "(ruled-out causes do not count) and title/summary word overlap; each with the `reasons` "
            "it matched. The incident itself and its duplicates are left out."
        ),
        parameters=[INCIDENT_ID],
        responses={200: SimilarIncidentSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        matches = similar_incidents(user=request.user, incident=incident)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(matches, request, view=self)
        data = SimilarIncidentSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class FixNotHeldActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    completed_at = serializers.DateTimeField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)


class FixNotHeldSerializer(serializers.Serializer):
    direction = serializers.SerializerMethodField(
        help_text="`repeats`: this incident repeats `incident`; `repeated_by`: `incident` repeats this one."
    )
    incident = serializers.CharField(source="other.reference", help_text="The other incident's reference.")
    title = serializers.CharField(source="other.title")
    started_at = serializers.DateTimeField(source="other.started_at")
    category = serializers.CharField(source="link.category", help_text="The confirmed cause's category.")
    detected_at = serializers.DateTimeField(source="link.detected_at")
    actions = FixNotHeldActionSerializer(
        many=True, help_text="The earlier incident's done repair/prevent items that did not hold."
    )

    def get_direction(self, item: FixNotHeldView) -> str:
        return "repeats" if item.repeats else "repeated_by"


class FixesNotHeldView(APIView):
    @extend_schema(
        summary="Fixes that did not hold",
        description=(
            "Earlier incidents this one repeats (a confirmed cause matching a shared service and the "
            "cause category, after their repair/prevent items were done), and later incidents that "
            "repeat this one. Only incidents you may see are listed."
        ),
        parameters=[INCIDENT_ID],
        responses={200: FixNotHeldSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, id: str) -> Response:
        incident = incident_or_404(request.user, id)
        items = fixes_not_held_for(user=request.user, incident=incident)
        return Response(FixNotHeldSerializer(items, many=True).data)
