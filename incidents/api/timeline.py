"""Timeline events over HTTP.

They live here rather than in timeline/api/ because finding the incident a caller may see, and
deciding whether they may edit it, belongs to `incidents`, which `timeline` must not import.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.base import WRITE_ERRORS, InputSerializer, errors, not_modified
from incidents.api.deleted import DELETED, RESTORE_DESCRIPTION, DeletedListMixin, RestoreMixin, wants_deleted
from incidents.api.fields import ApiDateTimeField, StrictBooleanField, StrictCharField, utc_iso
from incidents.api.lookups import id_or_404
from incidents.api.serializers import NULLABLE_USERNAME
from incidents.api.views import NESTED_INCIDENT_ID, OBJECT_ID, IncidentChildViewSet
from incidents.services.common import require_edit
from timeline import selectors as timeline_selectors
from timeline import services as timeline_services
from timeline.actors import Actor
from timeline.choices import HUMAN_KINDS, EventKind, EventSource
from timeline.models import TimelineEvent


class TimelineEventSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.reference", help_text="Incident reference.")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    source = serializers.ChoiceField(choices=EventSource.choices)  # type: ignore[assignment]  # a field, not Field.source
    author = serializers.SerializerMethodField()
    occurred_at = ApiDateTimeField()
    recorded_at = ApiDateTimeField()
    edited_at = ApiDateTimeField(allow_null=True)

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "incident",
            "occurred_at",
            "recorded_at",
            "kind",
            "body",
            "author",
            "source",
            "is_key",
            "edited_at",
        ]
        read_only_fields = fields

    def to_representation(self, event: TimelineEvent) -> dict[str, Any]:
        # The declared fields' output, built directly: a page of entries is read far more often
        # than it is written, and DRF's field-by-field path was a third of the request.
        return {
            "id": event.pk,
            "incident": event.incident.reference,
            "occurred_at": utc_iso(event.occurred_at),
            "recorded_at": utc_iso(event.recorded_at),
            "kind": event.kind,
            "body": event.body,
            "author": self.get_author(event),
            "source": event.source,
            "is_key": event.is_key,
            "edited_at": utc_iso(event.edited_at),
        }

    @extend_schema_field(NULLABLE_USERNAME)
    def get_author(self, event: TimelineEvent) -> str | None:
        return event.author.get_username() if event.author else None


class TimelineEventWriteSerializer(InputSerializer):
    occurred_at = ApiDateTimeField(required=False, help_text="When it happened; defaults to now.")
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in HUMAN_KINDS],
        required=False,
        help_text="Status, severity and role changes are written by Hindsight itself.",
    )
    body = StrictCharField(max_length=20_000, trim_whitespace=False, help_text="Markdown.")
    is_key = StrictBooleanField(required=False, help_text="Pinned: shown in the postmortem's short timeline.")


@extend_schema_view(
    list=extend_schema(
        summary="An incident's timeline",
        description="Ordered by `occurred_at`, then `recorded_at`. Deleted entries are left out "
        "(admins list them with `?deleted=true`). The response's `ETag` changes with every write in "
        "the incident: send it back as `If-None-Match` to get `304 Not Modified` while nothing changed.",
        parameters=[NESTED_INCIDENT_ID, DELETED],
        responses={200: TimelineEventSerializer(many=True), **errors(304, 400, 403, 404)},
    ),
    create=extend_schema(
        summary="Add a timeline entry",
        description="`occurred_at` may be back-dated; `source` is `api`.",
        parameters=[NESTED_INCIDENT_ID],
        request=TimelineEventWriteSerializer,
        responses={201: TimelineEventSerializer, **errors(*WRITE_ERRORS)},
    ),
)
class IncidentTimelineViewSet(DeletedListMixin, IncidentChildViewSet):
    queryset = TimelineEvent.objects.none()  # for the schema; reads go through selectors
    serializer_class = TimelineEventSerializer

    def list(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()  # 404 before 403
        if "deleted" in request.query_params and wants_deleted(request):
            return self.deleted_page(timeline_selectors.deleted_events(incident=incident))
        etag = f'"timeline-{incident.record_version}"'
        unchanged = not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        page = self.paginate_queryset(timeline_selectors.timeline_for_incident(incident=incident))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response["ETag"] = etag
        return response

    def create(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        require_edit(request.user, incident)
        serializer = TimelineEventWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        event = timeline_services.timeline_event_add(
            incident=incident, actor=request.user, source=EventSource.API, **serializer.validated_data
        )
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Get a timeline entry",
        parameters=[OBJECT_ID],
        responses={200: TimelineEventSerializer, **errors(404)},
    ),
    partial_update=extend_schema(
        summary="Edit a timeline entry",
        description="The previous text stays in the entry's history; `edited_at` is set.",
        parameters=[OBJECT_ID],
        request=TimelineEventWriteSerializer,
        responses={200: TimelineEventSerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Delete a timeline entry",
        description="A soft delete: hidden everywhere, kept for admins, who can restore it. "
        "Entries Hindsight wrote (`system`) cannot be deleted.",
        parameters=[OBJECT_ID],
        responses={204: None, **errors(403, 404)},
    ),
    restore=extend_schema(
        summary="Restore a deleted timeline entry",
        description=RESTORE_DESCRIPTION,
        parameters=[OBJECT_ID],
        request=None,
        responses={200: TimelineEventSerializer, **errors(403, 404)},
    ),
)
class TimelineEventViewSet(RestoreMixin):
    serializer_class = TimelineEventSerializer
    lookup_url_kwarg = "id"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _event(self, id: str, *, include_deleted: bool = False) -> TimelineEvent:
        visible = selectors.incident_list(user=self.request.user).values("pk")
        event = timeline_selectors.event_get(
            incident_ids=visible, pk=id_or_404(id, "timeline entry"), include_deleted=include_deleted
        )
        if event is None:
            raise NotFound("No such timeline entry.")
        return event

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(self.get_serializer(self._event(id)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        event = self._event(id)
        require_edit(request.user, event.incident)
        serializer = TimelineEventWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        event = timeline_services.timeline_event_update(
            event=event, actor=request.user, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(event).data)

    def destroy(self, request: Request, id: str) -> Response:
        event = self._event(id)
        require_edit(request.user, event.incident)
        timeline_services.timeline_event_delete(event=event, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def deleted_row(self, id: str) -> TimelineEvent:
        return self._event(id, include_deleted=True)

    def restore_row(self, row: TimelineEvent, *, actor: Actor) -> TimelineEvent:
        return timeline_services.timeline_event_restore(event=row, actor=actor)
