"""`/api/v1/incidents/{id}/subscription/`: follow (POST), unfollow (DELETE), or ask (GET)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.base import InputSerializer, errors
from incidents.api.lookups import incident_or_404

from . import services
from .models import SubscriptionChannel


class SubscriptionWriteSerializer(InputSerializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=SubscriptionChannel.choices),
        required=False,
        allow_empty=False,
        max_length=len(SubscriptionChannel.values),
        help_text='How to hear about it: "in_app", "email" or both. Default ["in_app"].',
    )


class SubscriptionSerializer(serializers.Serializer):
    incident = serializers.CharField()
    following = serializers.BooleanField()
    channels = serializers.ListField(child=serializers.CharField())


class IncidentSubscriptionView(APIView):
    """Whether the caller follows the incident, and on which channels."""

    def _answer(self, reference: str, channels: list[str]) -> dict[str, Any]:
        return {"incident": reference, "following": bool(channels), "channels": sorted(channels)}

    @extend_schema(
        summary="Do I follow this incident?", responses={200: SubscriptionSerializer, **errors(404)}
    )
    def get(self, request: Request, incident_id: str) -> Response:
        incident = incident_or_404(request.user, incident_id)
        channels = services.following_channels(user=request.user, incident=incident)
        return Response(self._answer(incident.reference, channels))

    @extend_schema(
        summary="Follow this incident",
        description=(
            "Status updates, status and severity changes and the postmortem reach you in-app or by email."
        ),
        request=SubscriptionWriteSerializer,
        responses={200: SubscriptionSerializer, **errors(400, 404, 415)},
    )
    def post(self, request: Request, incident_id: str) -> Response:
        incident = incident_or_404(request.user, incident_id)
        serializer = SubscriptionWriteSerializer(data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        channels = services.follow(
            user=request.user, incident=incident, channels=serializer.validated_data.get("channels")
        )
        return Response(self._answer(incident.reference, channels))

    @extend_schema(summary="Stop following this incident", responses={204: None, **errors(404)})
    def delete(self, request: Request, incident_id: str) -> Response:
        incident = incident_or_404(request.user, incident_id)
        services.unfollow(user=request.user, incident=incident)
        return Response(status=status.HTTP_204_NO_CONTENT)
