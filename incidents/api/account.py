"""The caller's own things: their profile (`me/`) and the background jobs they may poll."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors, services
from incidents.api.base import errors
from incidents.api.serializers import JobSerializer, ProfileSerializer, ProfileWriteSerializer

# ---------------------------------------------------------------- me and jobs


class MeView(APIView):
    """The caller's own profile."""

    @extend_schema(summary="Your profile", responses={200: ProfileSerializer, **errors()})
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(services.profile_for(request.user)).data)

    @extend_schema(
        summary="Change your profile",
        description='Quiet hours as "HH:MM" (both ends, or both null for none).',
        request=ProfileWriteSerializer,
        responses={200: ProfileSerializer, **errors(400, 413, 415)},
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileWriteSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, data=dict(serializer.validated_data))
        return Response(ProfileSerializer(profile).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Poll a background job",
        description="`queued`, `running`, `succeeded`, or `failed` with an `error`.",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: JobSerializer, **errors(404)},
    ),
)
class JobViewSet(viewsets.GenericViewSet):
    serializer_class = JobSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def retrieve(self, request: Request, id: str) -> Response:
        job = None
        if re.fullmatch(r"[0-9a-fA-F-]{32,36}", id):
            try:
                job = selectors.job_get(user=request.user, pk=id)
            except ValidationError:  # a UUID-shaped string that is not a UUID
                job = None
        if job is None:
            raise NotFound("No such job.")
        return Response(self.get_serializer(job).data)
