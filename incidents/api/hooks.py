"""Incoming webhooks from monitoring: Alertmanager, Grafana Alerting, Sentry and generic JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.authentication import ApiTokenAuthentication
from incidents.api.base import errors
from incidents.api.fields import StrictCharField
from incidents.api.parsers import StrictJSONParser
from incidents.conf import hindsight_setting
from incidents.models import ApiToken
from incidents.permissions import is_responder
from incidents.services.alert_sources import (
    alert_source_authenticate,
    generic_ingest,
    sentry_ingest,
    sentry_signature_valid,
    sentry_timestamp_fresh,
)
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
        return _answer(request, ingest(payload=payload))


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


class HookAnswer(Response):
    """A refusal before any parsing: `{"detail": …}` with the status given."""

    def __init__(self, detail: str, code: int) -> None:
        super().__init__({"detail": detail}, status=code)


def _answer(request: Request, result: AlertIngestResult) -> Response:
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


class SentryHookView(APIView):
    """`POST /api/v1/hooks/sentry/`: a Sentry internal integration's webhook, signed by its secret."""

    authentication_classes: list[type[Any]] = []  # the signature is the credential
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Sentry webhook",
        description=(
            "Set this URL as the webhook of a Sentry internal integration and put its client secret "
            "in `SENTRY_CLIENT_SECRET`. Every post must carry a valid `Sentry-Hook-Signature` (hex "
            "HMAC-SHA256 of the raw body with the client secret; otherwise 401, nothing created) and a "
            "`Sentry-Hook-Timestamp` at most five minutes from now (older is a replay: 401). "
            "`Sentry-Hook-Resource` `event_alert` (an issue alert rule) and `issue` (`created`, "
            "`unresolved`) open or update one incident per Sentry issue; `metric_alert` (`critical`, "
            "`warning`) one per metric alert incident. `resolved`, `ignored` and `archived` add an "
            "entry and never resolve the incident: people do. `assigned` adds an entry to an existing "
            "incident. Other resources are acknowledged (200) and unused. Resending adds nothing."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("Sentry-Hook-Resource", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Sentry-Hook-Signature", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Sentry-Hook-Timestamp", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={200: HookResultSerializer, 201: HookResultSerializer, **errors(400, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        # The raw body, read before DRF parses it: the signature is over these exact bytes.
        body: bytes = request.body
        secret: str = hindsight_setting("SENTRY_CLIENT_SECRET")
        if not secret:
            return HookAnswer("The Sentry hook is not set up (SENTRY_CLIENT_SECRET).", 401)
        signature = request.headers.get("Sentry-Hook-Signature", "")
        if not sentry_signature_valid(body=body, signature=signature, secret=secret):
            return HookAnswer("Bad or missing Sentry-Hook-Signature.", 401)
        if not sentry_timestamp_fresh(request.headers.get("Sentry-Hook-Timestamp", "")):
            return HookAnswer(
                "Sentry-Hook-Timestamp is missing or more than five minutes off: a replay?", 401
            )
        payload = request.data
        if not isinstance(payload, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        resource = request.headers.get("Sentry-Hook-Resource", "").strip().lower()
        return _answer(request, sentry_ingest(resource=resource, payload=payload))


class GenericHookView(APIView):
    """`POST /api/v1/hooks/generic/<slug>/`: any JSON, read by the source's JMESPath expressions."""

    authentication_classes: list[type[Any]] = []  # the source's own token is the credential
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Generic JSON webhook",
        description=(
            "Post any JSON object to the address of an alert source an admin defined (Admin → Alert "
            "sources), with its token as `Authorization: Bearer <token>` or `X-Hindsight-Token: "
            "<token>` (otherwise 401, nothing created). The source's JMESPath expressions read the "
            "group key, title, severity, status, summary, service and time from the body; a body they "
            "cannot read answers 400 naming the field, creating nothing. One incident per group key "
            "while it is open; a resolved post adds an entry and never resolves the incident."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "X-Hindsight-Token",
                str,
                OpenApiParameter.HEADER,
                description="The source's token, unless sent as `Authorization: Bearer <token>`.",
            ),
        ],
        responses={200: HookResultSerializer, 201: HookResultSerializer, **errors(400, 413, 415)},
    )
    def post(self, request: Request, slug: str) -> Response:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        token = token or request.headers.get("X-Hindsight-Token", "").strip()
        source = alert_source_authenticate(slug=slug, token=token)
        if source is None:
            return HookAnswer("Unknown alert source, or a bad token.", 401)
        payload = request.data
        if not isinstance(payload, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return _answer(request, generic_ingest(source=source, payload=payload))
