"""Causes, action items and status updates over HTTP: lookups through selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors, services
from incidents.api.base import WRITE_ERRORS, errors
from incidents.api.deleted import DELETED, RESTORE_DESCRIPTION, DeletedListMixin, RestoreMixin, wants_deleted
from incidents.api.lookups import id_or_404
from incidents.api.serializers import (
    ActionSerializer,
    ActionWriteSerializer,
    CauseSerializer,
    CauseWriteSerializer,
    StatusUpdateSerializer,
    StatusUpdateWriteSerializer,
)
from incidents.api.views import NESTED_INCIDENT_ID, OBJECT_ID, IncidentChildViewSet
from incidents.filters import ActionFilterSet
from incidents.models import Cause, RemediationAction, StatusUpdate
from timeline.actors import Actor

# ---------------------------------------------------------------- causes


@extend_schema_view(
    list=extend_schema(
        summary="List an incident's causes",
        parameters=[NESTED_INCIDENT_ID, DELETED],
        responses={200: CauseSerializer(many=True), **errors(400, 403, 404)},
    ),
    create=extend_schema(
        summary="Record a cause",
        description="Early guesses are `suspected` until confirmed or ruled out. "
        "`evidence` lists timeline event ids of this incident.",
        parameters=[NESTED_INCIDENT_ID],
        request=CauseWriteSerializer,
        responses={201: CauseSerializer, **errors(*WRITE_ERRORS)},
    ),
)
class IncidentCauseViewSet(DeletedListMixin, IncidentChildViewSet):
    queryset = Cause.objects.none()  # for the schema; reads go through selectors
    serializer_class = CauseSerializer

    def list(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        if wants_deleted(request):
            return self.deleted_page(selectors.deleted_causes(incident=incident))
        causes = selectors.cause_list(user=request.user, incident=incident)
        page = self.paginate_queryset(causes.select_related("incident"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        serializer = CauseWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        cause = services.cause_add(incident=incident, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(cause).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Get a cause", parameters=[OBJECT_ID], responses={200: CauseSerializer, **errors(404)}
    ),
    partial_update=extend_schema(
        summary="Edit a cause",
        description="Change the status to `confirmed` or `ruled_out` as the investigation goes; "
        "the history keeps what was believed when.",
        parameters=[OBJECT_ID],
        request=CauseWriteSerializer,
        responses={200: CauseSerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Delete a cause",
        description="A soft delete: hidden everywhere, kept for admins, who can restore it. Prefer "
        "`ruled_out` for a wrong guess: it keeps the record of what was considered.",
        parameters=[OBJECT_ID],
        responses={204: None, **errors(403, 404)},
    ),
    restore=extend_schema(
        summary="Restore a deleted cause",
        description=RESTORE_DESCRIPTION,
        parameters=[OBJECT_ID],
        request=None,
        responses={200: CauseSerializer, **errors(403, 404)},
    ),
)
class CauseViewSet(RestoreMixin):
    serializer_class = CauseSerializer
    lookup_url_kwarg = "id"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _cause(self, id: str, *, include_deleted: bool = False) -> Any:
        cause = selectors.cause_get(
            user=self.request.user, pk=id_or_404(id, "cause"), include_deleted=include_deleted
        )
        if cause is None:
            raise NotFound("No such cause.")
        return cause

    def deleted_row(self, id: str) -> Cause:
        return self._cause(id, include_deleted=True)

    def restore_row(self, row: Cause, *, actor: Actor) -> Cause:
        return services.cause_restore(cause=row, actor=actor)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(self.get_serializer(self._cause(id)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        cause = self._cause(id)
        serializer = CauseWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        cause = services.cause_update(cause=cause, actor=request.user, data=dict(serializer.validated_data))
        return Response(self.get_serializer(cause).data)

    def destroy(self, request: Request, id: str) -> Response:
        services.cause_delete(cause=self._cause(id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- action items


def _action_data(validated: dict[str, Any]) -> dict[str, Any]:
    data = dict(validated)
    for field in ("description", "ticket_url", "completion_note"):
        if field in data and data[field] is None:
            data[field] = ""
    return data


@extend_schema_view(
    list=extend_schema(
        summary="List an incident's action items",
        parameters=[NESTED_INCIDENT_ID, DELETED],
        responses={200: ActionSerializer(many=True), **errors(400, 403, 404)},
    ),
    create=extend_schema(
        summary="Add an action item",
        description="Without `due_date` the priority's default applies (P1 2 weeks, P2 4, P3 8). "
        "`done` needs a `completion_note`; `wont_do` needs a reason in it.",
        parameters=[NESTED_INCIDENT_ID],
        request=ActionWriteSerializer,
        responses={201: ActionSerializer, **errors(*WRITE_ERRORS)},
    ),
)
class IncidentActionViewSet(DeletedListMixin, IncidentChildViewSet):
    queryset = RemediationAction.objects.none()  # for the schema; reads go through selectors
    serializer_class = ActionSerializer

    def list(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        if wants_deleted(request):
            return self.deleted_page(selectors.deleted_actions(incident=incident))
        actions = (
            selectors.action_list(user=request.user)
            .filter(incident=incident)
            .prefetch_related("causes")
            .order_by("due_date", "id")
        )
        page = self.paginate_queryset(actions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        serializer = ActionWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        action = services.action_add(
            incident=incident, actor=request.user, **_action_data(serializer.validated_data)
        )
        return Response(self.get_serializer(action).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List action items across incidents",
        description="Filter with `owner` (a username), `status`, `overdue=true`, `incident`.",
        responses={200: ActionSerializer(many=True), **errors(400, 404)},
    ),
    retrieve=extend_schema(
        summary="Get an action item",
        parameters=[OBJECT_ID],
        responses={200: ActionSerializer, **errors(404)},
    ),
    partial_update=extend_schema(
        summary="Edit an action item",
        parameters=[OBJECT_ID],
        request=ActionWriteSerializer,
        responses={200: ActionSerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Delete an action item",
        description="A soft delete: hidden everywhere (no more reminders), kept for admins, who can "
        "restore it. Prefer `wont_do` with a reason for work the team decided against.",
        parameters=[OBJECT_ID],
        responses={204: None, **errors(403, 404)},
    ),
    restore=extend_schema(
        summary="Restore a deleted action item",
        description=RESTORE_DESCRIPTION,
        parameters=[OBJECT_ID],
        request=None,
        responses={200: ActionSerializer, **errors(403, 404)},
    ),
)
class ActionViewSet(RestoreMixin):
    serializer_class = ActionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActionFilterSet
    lookup_url_kwarg = "id"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[RemediationAction]:
        return (
            selectors.action_list(user=self.request.user)
            .prefetch_related("causes")
            .order_by("due_date", "id")
        )

    def _action(self, pk: str, *, include_deleted: bool = False) -> RemediationAction:
        action = selectors.action_get(
            user=self.request.user, pk=id_or_404(pk, "action item"), include_deleted=include_deleted
        )
        if action is None:
            raise NotFound("No such action item.")
        return action

    def deleted_row(self, id: str) -> RemediationAction:
        return self._action(id, include_deleted=True)

    def restore_row(self, row: RemediationAction, *, actor: Actor) -> RemediationAction:
        return services.action_restore(action=row, actor=actor)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(self.get_serializer(self._action(id)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        action = self._action(id)
        serializer = ActionWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        action = services.action_update(
            action=action, actor=request.user, data=_action_data(serializer.validated_data)
        )
        return Response(self.get_serializer(action).data)

    def destroy(self, request: Request, id: str) -> Response:
        services.action_delete(action=self._action(id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- status updates


@extend_schema_view(
    list=extend_schema(
        summary="List an incident's status updates",
        description="Newest first.",
        parameters=[NESTED_INCIDENT_ID],
        responses={200: StatusUpdateSerializer(many=True), **errors(404)},
    ),
    create=extend_schema(
        summary="Post a status update",
        description="Also appears in the timeline as a `communication` event. Public updates of "
        "non-private incidents appear on the status page.",
        parameters=[NESTED_INCIDENT_ID],
        request=StatusUpdateWriteSerializer,
        responses={201: StatusUpdateSerializer, **errors(*WRITE_ERRORS)},
    ),
)
class IncidentUpdateViewSet(IncidentChildViewSet):
    queryset = StatusUpdate.objects.none()  # for the schema; reads go through selectors
    serializer_class = StatusUpdateSerializer

    def list(self, request: Request, incident_id: str) -> Response:
        updates = selectors.status_update_list(user=request.user, incident=self.incident())
        page = self.paginate_queryset(updates)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, incident_id: str) -> Response:
        incident = self.incident()
        serializer = StatusUpdateWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        update = services.status_update_post(
            incident=incident, actor=request.user, source="api", **serializer.validated_data
        )
        return Response(self.get_serializer(update).data, status=status.HTTP_201_CREATED)
