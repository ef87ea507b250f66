"""/api/v1/incidents/{id}/postmortem/drafts/…: AI drafts of postmortem sections (thin views)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.pagination import PageNumberPagination
from incidents.drafting import selectors, services
from incidents.drafting.checks import linked_markdown
from incidents.drafting.models import SectionDraft
from incidents.postmortems.api import PostmortemAPIView, job_data
from incidents.postmortems.models import Postmortem


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _name(user: Any) -> str | None:
    return user.get_username() if user else None


def draft_data(draft: SectionDraft, request: Request) -> dict[str, Any]:
    reference = draft.postmortem.incident.reference
    return {
        "id": draft.pk,
        "section": draft.section_key,
        "status": draft.status,
        # Citations as [E12]; `markdown` is the same text with each citation a link to its entry.
        "text": draft.text,
        "markdown": linked_markdown(draft.text, draft.citations),
        "citations": draft.citations,
        "removed": draft.removed,
        "flags": draft.flags,
        "error": draft.error,
        "attempts": draft.attempts,
        "model": draft.model_name,
        "created_by": _name(draft.created_by),
        "created_at": _iso(draft.created_at),
        "finished_at": _iso(draft.finished_at),
        "decided_by": _name(draft.decided_by),
        "decided_at": _iso(draft.decided_at),
        "revision": draft.revision_number,
        "job": job_data(draft.job) if draft.job else None,
        "url": f"/api/v1/incidents/{reference}/postmortem/drafts/{draft.pk}/",
    }


class DraftAPIView(PostmortemAPIView):
    def draft(self, request: Request, postmortem: Postmortem, draft_id: int) -> SectionDraft:
        draft = selectors.draft_get(user=request.user, postmortem=postmortem, pk=draft_id)
        if draft is None:
            raise NotFound("No such draft.")
        return draft


class DraftListView(DraftAPIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="AI drafts of this postmortem's sections, newest first",
        operation_id="incidents_postmortem_drafts_list",
    )
    def get(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        section = request.query_params.get("section") or None
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.draft_list(
                user=request.user, postmortem=postmortem, section_key=section
            ).select_related("postmortem__incident", "job", "decided_by"),
            request,
            view=self,
        )
        return paginator.get_paginated_response([draft_data(draft, request) for draft in page or []])

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={202: OpenApiTypes.OBJECT},
        summary="Ask the AI model to draft a section (summary, went_wrong, lessons)",
    )
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        data = self.body(request)
        unknown = set(data) - {"section"}
        if unknown:
            raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
        if "section" not in data:
            raise ValidationError({"section": "This field is required."})
        try:
            draft = services.draft_request(
                postmortem=postmortem, section_key=data["section"], actor=request.user
            )
        except services.DraftingOff as off:
            raise NotFound(str(off)) from off
        body = draft_data(draft, request)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class DraftDetailView(DraftAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="One AI draft")
    def get(self, request: Request, incident_id: str, draft_id: int) -> Response:
        draft = self.draft(request, self.postmortem(request, incident_id), draft_id)
        return Response(draft_data(draft, request))


class DraftAcceptView(DraftAPIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        summary="Copy the draft (or your edit of it, `text`) into its section",
    )
    def post(self, request: Request, incident_id: str, draft_id: int) -> Response:
        draft = self.draft(request, self.postmortem(request, incident_id), draft_id)
        data = self.body(request)
        unknown = set(data) - {"text"}
        if unknown:
            raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
        draft = services.draft_accept(draft=draft, actor=request.user, text=data.get("text"))
        return Response(draft_data(draft, request))


class DraftDismissView(DraftAPIView):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Set the draft aside")
    def post(self, request: Request, incident_id: str, draft_id: int) -> Response:
        draft = self.draft(request, self.postmortem(request, incident_id), draft_id)
        draft = services.draft_dismiss(draft=draft, actor=request.user)
        return Response(draft_data(draft, request))
