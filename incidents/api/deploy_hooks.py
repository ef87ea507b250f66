"""`POST /api/v1/hooks/changes/github/` and `…/gitlab/`: the forges' deployment webhooks.

Both are signed (GitHub's `X-Hub-Signature-256`, GitLab's `X-Gitlab-Token`), checked on the raw
body before anything parses it. A successful deployment becomes a `deploy` change (see
incidents/services/deployments.py for what is recorded, and why only successes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.base import errors
from incidents.api.changes import ChangeEventSerializer
from incidents.api.fields import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ApiDateTimeField,
    StrictCharField,
    StrictIntegerField,
)
from incidents.api.hooks import HookAnswer
from incidents.conf import hindsight_setting
from incidents.services.deployments import (
    DeliveryReplayed,
    Deployment,
    deployment_receive,
    github_deployment,
    gitlab_deployment,
)
from incidents.signatures import hmac_sha256_valid, same_secret


def _optional_text(max_length: int = 1000) -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=max_length)


class _Login(serializers.Serializer):
    login = _optional_text(200)


class GitHubDeploymentStatusSerializer(serializers.Serializer):
    id = StrictIntegerField()
    state = StrictCharField(max_length=50)
    created_at = ApiDateTimeField()
    environment = _optional_text(255)
    description = _optional_text()
    target_url = _optional_text()
    log_url = _optional_text()
    creator = _Login(required=False, allow_null=True)


class GitHubDeploymentSerializer(serializers.Serializer):
    id = StrictIntegerField()
    sha = _optional_text(64)
    ref = _optional_text(255)
    environment = _optional_text(255)
    description = _optional_text()


class GitHubRepositorySerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    html_url = _optional_text()


class GitHubPayloadSerializer(serializers.Serializer):
    """GitHub's `deployment_status` event: the fields Hindsight reads (others are ignored)."""

    deployment_status = GitHubDeploymentStatusSerializer()
    deployment = GitHubDeploymentSerializer()
    repository = GitHubRepositorySerializer()
    sender = _Login(required=False, allow_null=True)


class GitLabTimeField(serializers.Field):
    """GitLab's `2021-04-28 21:50:00 +0200` (or ISO 8601), with its offset."""

    default_error_messages = {"invalid": "Give a time with its offset, e.g. 2021-04-28 21:50:00 +0200."}

    def to_internal_value(self, value: Any) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid")
        text = value.strip()
        parsed: datetime | None = None
        for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S UTC"):
            try:
                parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 — the offset is in the text
            except ValueError:
                continue
            break
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                self.fail("invalid")
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=UTC) if text.endswith("UTC") else None
        if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            self.fail("invalid")
        return parsed.astimezone(UTC)

    def to_representation(self, value: Any) -> Any:
        return value


class _Username(serializers.Serializer):
    username = _optional_text(200)


class GitLabProjectSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    web_url = _optional_text()


class GitLabPayloadSerializer(serializers.Serializer):
    """GitLab's deployment event: the fields Hindsight reads (others are ignored)."""

    object_kind = serializers.ChoiceField(choices=["deployment"])
    status = StrictCharField(max_length=50)
    deployment_id = StrictIntegerField()
    status_changed_at = GitLabTimeField(required=False)
    environment = _optional_text(255)
    deployable_url = _optional_text()
    environment_external_url = _optional_text()
    project = GitLabProjectSerializer()
    short_sha = _optional_text(64)
    ref = _optional_text(255)
    commit_title = _optional_text()
    user = _Username(required=False, allow_null=True)


class ServiceOverrideSerializer(serializers.Serializer):
    service = StrictCharField(max_length=100, required=False)


DeploymentAnswerSerializer = inline_serializer(
    name="DeploymentHookAnswer",
    fields={
        "detail": serializers.CharField(),
        "change": ChangeEventSerializer(allow_null=True),
    },
)
SERVICE_PARAMETER = OpenApiParameter(
    "service",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="Record the deployments as changes to this service instead of the repository's "
    "(project's) name.",
)
RESPONSES = {
    200: OpenApiResponse(DeploymentAnswerSerializer, description="A ping, or a deployment recorded before."),
    201: OpenApiResponse(DeploymentAnswerSerializer, description="The deployment, recorded as a change."),
    202: OpenApiResponse(
        DeploymentAnswerSerializer, description="Acknowledged, not recorded: not a successful deployment."
    ),
    **errors(400, 413, 415),
    401: OpenApiResponse(
        description="No valid signature or token, or the hook is not set up (its setting is empty); "
        "nothing recorded."
    ),
    409: OpenApiResponse(description="A delivery received before (a replay); nothing recorded."),
}


def _answer(detail: str, code: int, change: Any = None) -> Response:
    body = {"detail": detail, "change": ChangeEventSerializer(change).data if change is not None else None}
    return Response(body, status=code)


def _receive(
    request: Request,
    *,
    payload_serializer: type[serializers.Serializer],
    read: Callable[..., Deployment],
    delivery_id: str,
) -> Response:
    """Validate the (verified) payload and the `?service=`, then record the deployment."""
    payload = request.data
    if not isinstance(payload, Mapping):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
    override = ServiceOverrideSerializer(data=request.query_params)
    override.is_valid(raise_exception=True)
    serializer = payload_serializer(data=payload)
    serializer.is_valid(raise_exception=True)
    deployment = read(payload=serializer.validated_data, service=override.validated_data.get("service", ""))
    try:
        outcome = deployment_receive(deployment=deployment, delivery_id=delivery_id)
    except DeliveryReplayed:
        return HookAnswer(f"Delivery {delivery_id} was received before: a replay.", 409)
    if outcome.change is None:
        return _answer(outcome.detail, status.HTTP_202_ACCEPTED)
    code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return _answer(outcome.detail, code, outcome.change)


class GitHubDeploymentHookView(APIView):
    """`POST /api/v1/hooks/changes/github/`: a GitHub webhook sending `deployment_status` events."""

    authentication_classes: list[type[Any]] = []  # the signature is the credential
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="GitHub deployment webhook",
        description=(
            "A GitHub repository's (or organization's) webhook with the `Deployment statuses` event, "
            "content type `application/json`, and the secret in `GITHUB_DEPLOY_WEBHOOK_SECRET` "
            "(unset: 401 saying so, the hook is off). Every post must carry a valid `X-Hub-Signature-256` "
            "(`sha256=` + hex HMAC-SHA256 of the raw body; otherwise 401) and an `X-GitHub-Delivery` "
            "id; a delivery id seen before is a replay: 409. `ping` answers 200. A `success` status "
            "records a `deploy` change (201) to the service named like the repository (or "
            "`?service=`), at the status's `created_at`, by its creator, linking its log; another "
            "delivery of the same status answers 200 and adds nothing. Other states (`pending`, "
            "`queued`, `in_progress`, `failure`, `error`, `inactive`) and other events: 202, not "
            "recorded. A payload missing what is read: 400 naming the field, nothing recorded."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            SERVICE_PARAMETER,
            OpenApiParameter("X-GitHub-Event", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GitHub-Delivery", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Hub-Signature-256", str, OpenApiParameter.HEADER, required=True),
        ],
        responses=RESPONSES,
    )
    def post(self, request: Request) -> Response:
        # The raw body, read before DRF parses it: the signature is over these exact bytes.
        body: bytes = request.body
        secret: str = hindsight_setting("GITHUB_DEPLOY_WEBHOOK_SECRET")
        if not secret:
            return HookAnswer("The GitHub deployment hook is not set up (GITHUB_DEPLOY_WEBHOOK_SECRET).", 401)
        signature = request.headers.get("X-Hub-Signature-256", "")
        if not hmac_sha256_valid(body=body, secret=secret, signature=signature):
            return HookAnswer("Bad or missing X-Hub-Signature-256.", 401)
        event = request.headers.get("X-GitHub-Event", "").strip().lower()
        if event == "ping":
            return _answer("Pong: the GitHub deployment hook is set up.", status.HTTP_200_OK)
        if event != "deployment_status":
            return _answer(f"Not a deployment_status event ({event or 'none'}); ignored.", 202)
        delivery_id = request.headers.get("X-GitHub-Delivery", "").strip()
        if not delivery_id:
            raise serializers.ValidationError({"X-GitHub-Delivery": ["The delivery has no id."]})
        return _receive(
            request,
            payload_serializer=GitHubPayloadSerializer,
            read=github_deployment,
            delivery_id=delivery_id,
        )


class GitLabDeploymentHookView(APIView):
    """`POST /api/v1/hooks/changes/gitlab/`: a GitLab webhook sending deployment events."""

    authentication_classes: list[type[Any]] = []  # the secret token is the credential
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="GitLab deployment webhook",
        description=(
            "A GitLab project's (or group's) webhook with `Deployment events` and the secret token "
            "in `GITLAB_DEPLOY_WEBHOOK_TOKEN` (unset: 401 saying so, the hook is off). Every post must carry "
            "that token as `X-Gitlab-Token` (compared in constant time; otherwise 401) and a "
            "delivery id (`Idempotency-Key` or `X-Gitlab-Event-UUID`); one seen before is a replay: "
            "409. A `success` deployment records a `deploy` change (201) to the service named like "
            "the project (or `?service=`), at `status_changed_at`, by the user, linking the job; "
            "another delivery of the same `deployment_id` answers 200 and adds nothing. Other "
            "statuses (`running`, `failed`, `canceled`, `blocked`…) and other events: 202, not "
            "recorded. A payload missing what is read: 400 naming the field, nothing recorded."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            SERVICE_PARAMETER,
            OpenApiParameter("X-Gitlab-Event", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Gitlab-Token", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Gitlab-Event-UUID", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
        ],
        responses=RESPONSES,
    )
    def post(self, request: Request) -> Response:
        token: str = hindsight_setting("GITLAB_DEPLOY_WEBHOOK_TOKEN")
        if not token:
            return HookAnswer("The GitLab deployment hook is not set up (GITLAB_DEPLOY_WEBHOOK_TOKEN).", 401)
        if not same_secret(request.headers.get("X-Gitlab-Token", ""), token):
            return HookAnswer("Bad or missing X-Gitlab-Token.", 401)
        event = request.headers.get("X-Gitlab-Event", "").strip()
        if event.lower() != "deployment hook":
            return _answer(f"Not a deployment event ({event or 'none'}); ignored.", 202)
        delivery_id = (
            request.headers.get("Idempotency-Key", "").strip()
            or request.headers.get("X-Gitlab-Event-UUID", "").strip()
        )
        if not delivery_id:
            raise serializers.ValidationError(
                {"X-Gitlab-Event-UUID": ["The delivery has no id (Idempotency-Key or X-Gitlab-Event-UUID)."]}
            )
        return _receive(
            request,
            payload_serializer=GitLabPayloadSerializer,
            read=gitlab_deployment,
            delivery_id=delivery_id,
        )
