"""`GET /api/v1/search/`: ranked results across the record, read through `incidents.search`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.base import errors
from incidents.api.pagination import PageNumberPagination
from incidents.search import MAX_QUERY_LENGTH, SearchResult, search, search_types


class SearchQuerySerializer(serializers.Serializer):
    """The query string of a search; shared by the API and the search page."""

    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True)
    type = serializers.CharField(required=False)
    service = serializers.CharField(required=False, max_length=100)
    since = serializers.DateTimeField(required=False)

    def validate_q(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Null characters are not allowed.")
        return value

    def validate_type(self, value: str) -> str:
        if value not in search_types():
            raise serializers.ValidationError(f"Choose one of {', '.join(search_types())}.")
        return value

    def validate_since(self, value: Any) -> Any:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class SearchResultSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="incident, timeline_entry, cause, action_item, status_update, postmortem_section"
    )
    incident = serializers.CharField(source="incident.reference", help_text="The incident's reference.")
    id = serializers.IntegerField()
    title = serializers.CharField()
    snippet = serializers.CharField(help_text="Plain text around what matched.")
    url = serializers.SerializerMethodField(help_text="The page that shows it.")

    def get_url(self, result: SearchResult) -> str:
        return self.context["request"].build_absolute_uri(result.url)


class SearchView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Search",
        description=(
            "Incidents (title, summary, impact), timeline entries, causes, action items, status "
            "updates and postmortem sections, best match first, among incidents you may see. "
            '`q` takes words, "quoted phrases", `or` and `-excluded` words (PostgreSQL). '
            "Paginated like every list."
        ),
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description=f"1–{MAX_QUERY_LENGTH} characters."
            ),
            OpenApiParameter(
                "type", OpenApiTypes.STR, enum=search_types(), description="Only this kind of result."
            ),
            OpenApiParameter(
                "service", OpenApiTypes.STR, description="Only incidents on this service (name)."
            ),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Only things from this time on."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={200: SearchResultSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        results = search(
            user=request.user,
            query=params["q"],
            type=params.get("type"),
            service=params.get("service"),
            since=params.get("since"),
        )
        paginator = self.pagination_class()
        page: list[Any] | None = paginator.paginate_queryset(results, request, view=self)  # type: ignore[arg-type]  # SearchResults pages by len and slices, not a Sequence
        data = SearchResultSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)
