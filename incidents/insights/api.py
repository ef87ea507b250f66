"""GET /api/v1/insights/ (the insights figures) and GET /api/v1/incidents/{id}/similar/."""

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
