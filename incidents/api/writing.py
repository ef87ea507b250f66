"""`POST /api/v1/writing-check/`: blame language in a piece of text, read by `incidents.writing`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.api.base import InputSerializer, errors
from incidents.api.fields import StrictCharField
from incidents.permissions import is_responder
from incidents.writing import blame_flags, rule_ids

MAX_TEXT_LENGTH = 20_000


class WritingCheckSerializer(InputSerializer):
    text = StrictCharField(max_length=MAX_TEXT_LENGTH, allow_blank=True, trim_whitespace=False)


class FlagSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text=", ".join(rule_ids()))
    start = serializers.IntegerField(help_text="Offset of the first matched character (Unicode code points).")
    end = serializers.IntegerField(help_text="Offset just past the match.")
    text = serializers.CharField(help_text="The matched words.")
    explanation = serializers.CharField()
    suggestion = serializers.CharField()


class WritingCheckView(APIView):
    @extend_schema(
        summary="Check writing for blame",
        description=(
            'Flags blame language ("human error", "should have", "forgot to", …) and people '
            "named as causes, each with why and a suggestion. Deterministic, never stored, never "
            "blocks anything. Responders and admins."
        ),
        request=WritingCheckSerializer,
        responses={
            200: inline_serializer("WritingCheck", fields={"flags": FlagSerializer(many=True)}),
            **errors(400, 403),
        },
    )
    def post(self, request: Request) -> Response:
        if not is_responder(request.user):
            raise PermissionDenied("Only responders and admins write postmortems.")
        body = WritingCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flags = blame_flags(body.validated_data["text"], people=selectors.people_names())
        return Response({"flags": FlagSerializer([flag.as_dict() for flag in flags], many=True).data})
