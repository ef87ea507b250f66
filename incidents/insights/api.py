"""GET /api/v1/insights/: the insights figures as JSON."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.insights.forms import filter_form
from incidents.insights.metrics import compute_insights


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
