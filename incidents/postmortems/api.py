"""/api/v1/incidents/{id}/postmortem/…: thin views over the postmortem services and selectors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.pagination import PageNumberPagination
from incidents.api.parsers import StrictJSONParser
from incidents.models import ApiToken, Incident, Job
from incidents.permissions import can_edit_incident
from incidents.postmortems import selectors as pm_selectors
from incidents.postmortems import services
from incidents.postmortems.exports import EXPORT_FORMATS, export_response
from incidents.postmortems.models import Postmortem, Revision, Section

_ID = re.compile(r"[0-9]{1,18}")
_REFERENCE = re.compile(r"INC-[0-9]{1,18}", re.IGNORECASE)


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def section_data(section: Section) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "position": section.position,
        "source": section.source,
        "prompt": section.prompt,
        "body": section.body,
        "edited": section.edited,
        "stale": section.stale,
        "empty": section.is_empty,
        "version": section.version,
        "edited_by": section.edited_by.get_username() if section.edited_by else None,
        "edited_at": _iso(section.edited_at),
    }


def postmortem_data(postmortem: Postmortem, request: Request) -> dict[str, Any]:
    postmortem.refresh_from_db()
    incident = postmortem.incident
    sections = list(pm_selectors.section_list(postmortem=postmortem))
    return {
        "id": postmortem.pk,
        "incident": incident.reference,
        "incident_id": incident.pk,
        "status": postmortem.status,
        "due_date": postmortem.due_date.isoformat() if postmortem.due_date else None,
        "published_at": _iso(postmortem.published_at),
        "public": postmortem.public,
        "revision": postmortem.revision_number,
        "revision_number": postmortem.revision_number,
        "last_generated_at": _iso(postmortem.last_generated_at),
        "reviewers": list(postmortem.reviewers.order_by("username").values_list("username", flat=True)),
        "reviews": [
            {
                "reviewer": review.reviewer.get_username() if review.reviewer else None,
                "decision": review.decision,
                "comment": review.comment,
                "revision": review.revision_number,
                "created_at": _iso(review.created_at),
            }
            for review in postmortem.reviews.select_related("reviewer")
        ],
        "missing_sections": [section.key for section in services.missing_sections(postmortem)],
        "sections": [section_data(section) for section in sections],
        "url": request.build_absolute_uri(postmortem.get_absolute_url()),
    }


def job_data(job: Job) -> dict[str, Any]:
    return {"id": str(job.pk), "status": job.status, "url": f"/api/v1/jobs/{job.pk}/"}


class IsApiUser(permissions.BasePermission):
    """Signed in with a session or a user token; integration tokens only reach webhooks."""

    message = "Integration tokens can only post to webhooks."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return not (isinstance(request.auth, ApiToken) and request.auth.is_integration)


class PostmortemAPIView(APIView):
    parser_classes = [StrictJSONParser]
    permission_classes = [IsApiUser]

    def incident(self, request: Request, incident_id: str) -> Incident:
        text = str(incident_id).strip()
        incident = None
        if _REFERENCE.fullmatch(text) or _ID.fullmatch(text):
            incident = selectors.incident_get(user=request.user, reference=text)
        if incident is None:
            raise NotFound("No such incident.")
        return incident

    def postmortem(self, request: Request, incident_id: str) -> Postmortem:
        return services.postmortem_ensure(incident=self.incident(request, incident_id))

    def body(self, request: Request) -> Mapping[str, Any]:
        data = request.data if request.body else {}
        if not isinstance(data, Mapping):
            raise ParseError("Send a JSON object.")
        return data

    def text(self, data: Mapping[str, Any], field: str) -> str:
        value = data.get(field, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError({field: "Must be text."})
        return value


class PostmortemView(PostmortemAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The incident's postmortem")
    def get(self, request: Request, incident_id: str) -> Response:
        return Response(postmortem_data(self.postmortem(request, incident_id), request))

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Set reviewers or public"
    )
    def patch(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        data = self.body(request)
        unknown = set(data) - {"reviewers", "public"}
        if unknown:
            raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
        if "reviewers" in data:
            reviewers = data["reviewers"]
            if not isinstance(reviewers, list) or not all(isinstance(name, str) for name in reviewers):
                raise ValidationError({"reviewers": "Give a list of usernames."})
            services.reviewers_set(postmortem=postmortem, actor=request.user, reviewers=reviewers)
        if "public" in data:
            if not isinstance(data["public"], bool):
                raise ValidationError({"public": "Give true or false."})
            services.postmortem_set_public(postmortem=postmortem, actor=request.user, public=data["public"])
        return Response(postmortem_data(postmortem, request))


class GenerateView(PostmortemAPIView):
    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT}, summary="Queue generation")
    def post(self, request: Request, incident_id: str) -> Response:
        incident = self.incident(request, incident_id)
        if not can_edit_incident(request.user, incident):
            raise PermissionDenied("You may not change this incident.")
        services.postmortem_ensure(incident=incident)
        job = services.postmortem_generate_request(
            incident=incident, actor=request.user, reason="requested via the API"
        )
        return Response(
            job_data(job), status=status.HTTP_202_ACCEPTED, headers={"Location": job_data(job)["url"]}
        )


def _if_match(request: Request, data: Mapping[str, Any]) -> int | None:
    raw = data.get("version")
    if raw is None:
        header = request.headers.get("If-Match", "").strip()
        if header and header != "*":
            raw = header.removeprefix("W/").strip('"')
    if raw is None:
        return None
    if isinstance(raw, bool) or not re.fullmatch(r"[0-9]{1,9}", str(raw)):
        raise ValidationError({"version": "Give the section's version number."})
    return int(raw)


class SectionView(PostmortemAPIView):
    def section(self, postmortem: Postmortem, key: str) -> Section:
        section = postmortem.sections.filter(key=key).first()
        if section is None:
            raise NotFound("No such section.")
        return section

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="One section")
    def get(self, request: Request, incident_id: str, key: str) -> Response:
        section = self.section(self.postmortem(request, incident_id), key)
        return Response(section_data(section), headers={"ETag": f'"{section.version}"'})

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Save a section's Markdown"
    )
    def patch(self, request: Request, incident_id: str, key: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        self.section(postmortem, key)
        data = self.body(request)
        unknown = set(data) - {"body", "version"}
        if unknown:
            raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
        if "body" not in data:
            raise ValidationError({"body": "This field is required."})
        section = services.section_update(
            postmortem=postmortem,
            key=key,
            actor=request.user,
            body=data["body"],
            expected_version=_if_match(request, data),
        )
        return Response(section_data(section), headers={"ETag": f'"{section.version}"'})


class SectionRefreshView(SectionView):
    @extend_schema(
        request=None, responses=OpenApiTypes.OBJECT, summary="Rebuild an edited section from the record"
    )
    def post(self, request: Request, incident_id: str, key: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        self.section(postmortem, key)
        section = services.section_refresh(postmortem=postmortem, key=key, actor=request.user)
        return Response(section_data(section))


def revision_data(revision: Revision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "kind": revision.kind,
        "reason": revision.reason,
        "author": revision.author.get_username() if revision.author else None,
        "created_at": _iso(revision.created_at),
    }


class RevisionListView(PostmortemAPIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Revisions, newest first",
        operation_id="incidents_postmortem_revisions_list",
    )
    def get(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            pm_selectors.revision_list(postmortem=postmortem), request, view=self
        )
        return paginator.get_paginated_response([revision_data(revision) for revision in page or []])


class RevisionDetailView(PostmortemAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="One revision with its snapshot")
    def get(self, request: Request, incident_id: str, number: int) -> Response:
        revision = pm_selectors.revision_get(postmortem=self.postmortem(request, incident_id), number=number)
        if revision is None:
            raise NotFound("No such revision.")
        return Response({**revision_data(revision), "sections": revision.snapshot})


class RevisionDiffView(PostmortemAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("from", int), OpenApiParameter("to", int)],
        responses=OpenApiTypes.OBJECT,
        summary="Unified diff between two revisions",
    )
    def get(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        numbers = []
        for field in ("from", "to"):
            value = request.query_params.get(field, "")
            if not re.fullmatch(r"[0-9]{1,9}", value):
                raise ValidationError({field: "Give a revision number."})
            numbers.append(int(value))
        old, new = (pm_selectors.revision_get(postmortem=postmortem, number=n) for n in numbers)
        if old is None or new is None:
            raise NotFound("No such revision.")
        return Response(
            {"from": old.number, "to": new.number, "diff": pm_selectors.revision_diff(old=old, new=new)}
        )


class SubmitView(PostmortemAPIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Send for review")
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        data = self.body(request)
        reviewers = data.get("reviewers")
        if reviewers is not None and (
            not isinstance(reviewers, list) or not all(isinstance(name, str) for name in reviewers)
        ):
            raise ValidationError({"reviewers": "Give a list of usernames."})
        postmortem = services.postmortem_submit(
            postmortem=postmortem, actor=request.user, reviewers=reviewers
        )
        return Response(postmortem_data(postmortem, request))


class ApproveView(PostmortemAPIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Approve (named reviewers)"
    )
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        comment = self.text(self.body(request), "comment")
        postmortem = services.postmortem_approve(postmortem=postmortem, actor=request.user, comment=comment)
        return Response(postmortem_data(postmortem, request))


class RequestChangesView(PostmortemAPIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Request changes")
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        comment = self.text(self.body(request), "comment")
        postmortem = services.postmortem_request_changes(
            postmortem=postmortem, actor=request.user, comment=comment
        )
        return Response(postmortem_data(postmortem, request))


class PublishView(PostmortemAPIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, summary="Publish (once approved)"
    )
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = self.postmortem(request, incident_id)
        public = self.body(request).get("public")
        if public is not None and not isinstance(public, bool):
            raise ValidationError({"public": "Give true or false."})
        postmortem = services.postmortem_publish(postmortem=postmortem, actor=request.user, public=public)
        return Response(postmortem_data(postmortem, request))


class ReopenView(PostmortemAPIView):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Back to draft")
    def post(self, request: Request, incident_id: str) -> Response:
        postmortem = services.postmortem_reopen(
            postmortem=self.postmortem(request, incident_id), actor=request.user
        )
        return Response(postmortem_data(postmortem, request))


class _IgnoreFormatNegotiation(BaseContentNegotiation):
    """`?format=` picks the export's format here, not a DRF renderer."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), JSONRenderer.media_type


class ExportView(PostmortemAPIView):
    content_negotiation_class = _IgnoreFormatNegotiation

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(EXPORT_FORMATS))],
        responses={(200, "text/markdown"): OpenApiTypes.STR},
        summary="Export as Markdown, standalone HTML or the incident record as JSON",
    )
    def get(self, request: Request, incident_id: str) -> HttpResponse:
        export_format = request.query_params.get("format", "md")
        if export_format not in EXPORT_FORMATS:
            raise ValidationError({"format": f"Choose one of {', '.join(EXPORT_FORMATS)}."})
        incident = self.incident(request, incident_id)
        postmortem = services.postmortem_ensure(incident=incident)
        return export_response(postmortem, incident, export_format)
