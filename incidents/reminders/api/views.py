"""`/api/v1/notifications/`: the caller's notifications, mark read, snooze."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.reminders import selectors, services
from incidents.reminders.models import Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    incident = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "rule",
            "title",
            "body",
            "url",
            "incident",
            "created_at",
            "read",
            "read_at",
            "snoozed_until",
        ]

    def get_title(self, obj: Notification) -> str:
        return selectors.shown(obj)["title"]

    def get_body(self, obj: Notification) -> str:
        return selectors.shown(obj)["body"]

    def get_url(self, obj: Notification) -> str:
        return selectors.shown(obj)["url"]

    def get_incident(self, obj: Notification) -> str | None:
        # The reference only when the caller may see the incident.
        if obj.incident_id is None or not getattr(obj, "can_see", False):
            return None
        return obj.incident.reference if obj.incident else None

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class SnoozeSerializer(serializers.Serializer[Any]):
    until = serializers.CharField(help_text='An ISO 8601 date and time with offset, or "1d" / "1w".')


class NotificationViewSet(viewsets.GenericViewSet[Notification]):
    """The caller's notifications, newest first. Another user's notification is a 404."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> Any:
        unread = str(self.request.query_params.get("unread", "")).lower() in ("1", "true", "yes")
        return selectors.notification_list(user=self.request.user, unread=unread).select_related("incident")

    def _get(self, pk: Any) -> Notification:
        notification = selectors.notification_get(user=self.request.user, pk=pk)
        if notification is None:
            raise Http404("No such notification.")
        return notification

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only unread notifications.")])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(self.get_serializer(self._get(pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = services.notification_mark_read(notification=self._get(pk), user=request.user)
        return Response(self.get_serializer(self._get(notification.pk)).data)

    @extend_schema(request=SnoozeSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request: Request, pk: Any = None) -> Response:
        notification = self._get(pk)
        data = request.data if isinstance(request.data, dict) else {}
        until = services.parse_snooze_until(data.get("until"), now=timezone.now())
        services.notification_snooze(notification=notification, user=request.user, until=until)
        return Response(self.get_serializer(self._get(notification.pk)).data)
