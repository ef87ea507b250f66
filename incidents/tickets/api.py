"""`/api/v1/actions/{id}/ticket/` (create or link an item's ticket) and
`/api/v1/hooks/tickets/{tracker_id}/` (the trackers' webhooks)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors as core_selectors
from incidents.api.base import InputSerializer, errors
from incidents.api.lookups import id_or_404
from incidents.models import RemediationAction

from . import selectors, services
from .adapters import WebhookRefused
from .models import TicketLink, TrackerConnection


class TicketWriteSerializer(InputSerializer):
    tracker = serializers.JSONField(help_text="The tracker's id or name (Admin → Tracker connections).")
    url = serializers.CharField(
        required=False,
        max_length=500,
        help_text="Link this existing ticket (its address or key) instead of creating one.",
    )


class TicketSerializer(serializers.ModelSerializer):
    tracker = serializers.CharField(source="tracker.name")
    kind = serializers.CharField(source="tracker.kind")

    class Meta:
        model = TicketLink
        fields = ["tracker", "kind", "state", "key", "url", "remote_status", "last_synced_at", "error"]


class TrackerChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class TicketAnswerSerializer(serializers.Serializer):
    ticket = TicketSerializer(allow_null=True)
    trackers = TrackerChoiceSerializer(many=True, required=False)
    job = serializers.UUIDField(required=False, help_text="The job creating the ticket (on a 202).")


def _action(request: Request, id: str) -> RemediationAction:
    action = core_selectors.action_get(user=request.user, pk=id_or_404(id, "action item"))
    if action is None:
        raise NotFound("No such action item.")
    return action


class ActionTicketView(APIView):
    """An action item's ticket in an issue tracker."""

    @extend_schema(
        summary="An action item's ticket, and the trackers it can have one in",
        description=(
            "`ticket` is the item's ticket or null; `trackers` the tracker connections a ticket can be "
            "created in for this item (for an item of a private incident, only those allowing it)."
        ),
        responses={200: TicketAnswerSerializer, **errors(404)},
    )
    def get(self, request: Request, id: str) -> Response:
        action = _action(request, id)
        link = selectors.ticket_link_for(action)
        trackers = [
            {"id": tracker.pk, "name": tracker.name, "kind": tracker.kind}
            for tracker in selectors.tracker_list()
            if tracker.allow_private or not action.incident.private
        ]
        return Response({"ticket": TicketSerializer(link).data if link else None, "trackers": trackers})

    @extend_schema(
        summary="Create or link an action item's ticket",
        description=(
            '`{"tracker": <id or name>}` creates a ticket in the tracker (GitHub, GitLab or Jira) from '
            "the item's title and description, linking back to the incident: 202, created by a job "
            "(`job` is its id; poll `GET /api/v1/jobs/{id}/`). "
            '`{"tracker": …, "url": <address or key>}` links an existing ticket after checking it '
            "exists in that tracker: 200. Either way the item's `ticket_url` is set, and closing or "
            "reopening the ticket closes or reopens the item. An item of a private incident gets a "
            "ticket only from a tracker that allows private incidents (otherwise 400)."
        ),
        request=TicketWriteSerializer,
        responses={200: TicketAnswerSerializer, 202: TicketAnswerSerializer, **errors(400, 403, 404, 415)},
    )
    def post(self, request: Request, id: str) -> Response:
        action = _action(request, id)
        serializer = TicketWriteSerializer(data=request.data if request.data is not None else {})
        serializer.is_valid(raise_exception=True)
        tracker = selectors.tracker_lookup(serializer.validated_data["tracker"])
        reference = serializer.validated_data.get("url")
        if reference is not None:
            link = services.ticket_link_existing(
                action=action, actor=request.user, tracker=tracker, reference=reference
            )
            link.refresh_from_db()
            return Response({"ticket": TicketSerializer(link).data})
        link, job = services.ticket_request(action=action, actor=request.user, tracker=tracker)
        answer = {"ticket": TicketSerializer(link).data, "job": str(job.pk)}
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class TicketHookView(APIView):
    """`POST /api/v1/hooks/tickets/{tracker_id}/`: GitHub, GitLab or Jira telling of an issue."""

    authentication_classes: list[type[Any]] = []  # the signature or token is the credential
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Issue tracker webhook",
        description=(
            "The tracker connection's webhook. GitHub `issues` events signed with "
            "`X-Hub-Signature-256`, GitLab issue events with `X-Gitlab-Token`, Jira "
            "`jira:issue_updated` signed with `X-Hub-Signature` (all with the connection's webhook "
            "secret; otherwise 403). A delivery id seen before (`X-GitHub-Delivery`, "
            "`Idempotency-Key`/`X-Gitlab-Event-UUID`, `X-Atlassian-Webhook-Identifier`) is a replay: "
            "409. A closed ticket marks its item done; a reopened one reopens it. A payload that "
            "cannot be read: 400, nothing changed. Tickets no item links, and other events: 202."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("tracker_id", int, OpenApiParameter.PATH)],
        responses={
            200: OpenApiTypes.OBJECT,
            202: OpenApiTypes.OBJECT,
            409: OpenApiResponse(description="A delivery received before (a replay); nothing changed."),
            **errors(400, 403, 404, 413, 415),
        },
    )
    def post(self, request: Request, tracker_id: int) -> Response:
        # The raw body, read before anything parses it: signatures are over these exact bytes.
        body: bytes = request.body
        tracker = (
            TrackerConnection.objects.filter(pk=tracker_id, active=True).first()
            if tracker_id < 2**31
            else None
        )
        if tracker is None:
            raise NotFound("No such tracker connection (or it is switched off).")
        try:
            services.webhook_verify(tracker=tracker, headers=request.headers, body=body)
            # Parsed only once verified, by the API's strict parser (deep nesting, duplicate keys: 400).
            payload = request.data
            outcome = services.webhook_apply(tracker=tracker, headers=request.headers, payload=payload)
        except WebhookRefused as refusal:
            return Response({"detail": str(refusal)}, status=refusal.status)
        return Response({"detail": outcome.detail, "changed": outcome.changed}, status=outcome.status)
