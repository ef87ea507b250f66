"""Incoming webhooks from monitoring: Prometheus Alertmanager and Grafana Alerting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.authentication import ApiTokenAuthentication
from incidents.api.base import errors
from incidents.api.fields import StrictCharField
from incidents.api.parsers import StrictJSONParser
from incidents.models import ApiToken
from incidents.permissions import is_responder
from incidents.services.alerts import AlertIngestResult, alertmanager_ingest, grafana_ingest


class IntegrationTokenPermission(permissions.BasePermission):
    """An integration token, or the token of a responder (handy for testing a setup)."""

    message = "Use an integration token (create_api_token --integration) or a responder's token."

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return token.is_integration or is_responder(request.user)


class AlertSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True))
    annotations = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    startsAt = serializers.CharField(required=False, allow_blank=True)  # noqa: N815 — Alertmanager's name
    endsAt = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    generatorURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=64)


class AlertmanagerPayloadSerializer(serializers.Serializer):
    """Alertmanager's webhook body (version 4). Fields Alertmanager may add later are ignored."""

    version = serializers.CharField(required=False)
    groupKey = StrictCharField(max_length=100_000)  # noqa: N815
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    receiver = serializers.CharField(required=False, allow_blank=True)
    groupLabels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)  # noqa: N815
    commonLabels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)  # noqa: N815
    commonAnnotations = serializers.DictField(  # noqa: N815
        child=serializers.CharField(allow_blank=True), required=False
    )
    externalURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    alerts: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=AlertSerializer(), max_length=1000
    )


class GrafanaAlertSerializer(AlertSerializer):
    """One alert of Grafana's webhook: Alertmanager's fields, plus links (values are ignored)."""

    silenceURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815 — Grafana's name
    dashboardURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    panelURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815


class GrafanaPayloadSerializer(AlertmanagerPayloadSerializer):
    """Grafana Alerting's webhook contact point body (Alertmanager's, with `orgId`, `title`, …)."""

    orgId = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    title = serializers.CharField(required=False, allow_blank=True)
    state = serializers.CharField(required=False, allow_blank=True)
    message = serializers.CharField(required=False, allow_blank=True)
    alerts: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=GrafanaAlertSerializer(), max_length=1000
    )


HookResultSerializer = inline_serializer(
    name="AlertmanagerResult",
    fields={
        "incident": serializers.CharField(allow_null=True, help_text="Reference of the incident, if any."),
        "url": serializers.CharField(allow_null=True),
        "created": serializers.BooleanField(help_text="True when this notification opened the incident."),
        "events_added": serializers.IntegerField(),
    },
)


class AlertmanagerHookView(APIView):
    """`POST /api/v1/hooks/alertmanager/`: Alertmanager's `webhook_config` target."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IntegrationTokenPermission]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        summary="Alertmanager webhook",
        description=(
            "Point an Alertmanager `webhook_configs` receiver here with an integration token "
            "(`Authorization: Token <key>`). One incident per alert group (`groupKey`) while it is "
            "open; severity from the `severity` label; every firing and resolved alert becomes an "
            "`alert` timeline event, once, however often Alertmanager resends. A resolved alert never "
            "resolves the incident: people do."
        ),
        request=AlertmanagerPayloadSerializer,
        responses={200: HookResultSerializer, 201: HookResultSerializer, **errors(400, 403, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        return self.ingest(request, AlertmanagerPayloadSerializer, alertmanager_ingest)

    @staticmethod
    def ingest(
        request: Request,
        serializer_class: type[serializers.Serializer],
        ingest: Callable[..., AlertIngestResult],
    ) -> Response:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload: Mapping[str, Any] = serializer.validated_data
        result = ingest(payload=payload)
        incident = result.incident
        body = {
            "incident": incident.reference if incident else None,
            "url": request.build_absolute_uri(reverse("api:incident-detail", args=[incident.reference]))
            if incident
            else None,
            "created": result.created,
            "events_added": result.events_added,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class GrafanaHookView(APIView):
    """`POST /api/v1/hooks/grafana/`: a Grafana Alerting webhook contact point."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IntegrationTokenPermission]
    # Bodies are parsed by the API's default parser (REST_FRAMEWORK settings), with its limits.

    @extend_schema(
        summary="Grafana Alerting webhook",
        description=(
            "Point a Grafana Alerting webhook contact point here, with the authorization header "
            "scheme `Token` and an integration token as credentials. It is handled exactly like "
            "the Alertmanager hook: one incident per alert group (`orgId` + `groupKey`) while it is "
            "open, one `alert` event per alert state, and a resolved alert never resolves the incident."
        ),
        request=GrafanaPayloadSerializer,
        responses={200: HookResultSerializer, 201: HookResultSerializer, **errors(400, 403, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        return AlertmanagerHookView.ingest(request, GrafanaPayloadSerializer, grafana_ingest)
