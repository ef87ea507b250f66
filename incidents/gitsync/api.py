"""`POST /api/v1/hooks/git/`: the Git host says the branch moved; Hindsight queues a pull."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.authentication import ApiTokenAuthentication
from incidents.api.base import errors
from incidents.gitsync.conf import git_target, webhook_secret
from incidents.gitsync.services import gitsync_pull_request
from incidents.models import ApiToken
from incidents.permissions import is_responder
from incidents.signatures import hmac_sha256_valid, same_secret


def _signed(request: Request, secret: str) -> bool:
    """GitHub, Gitea and Forgejo sign the body (X-Hub-Signature-256); GitLab sends the secret."""
    if not secret:
        return False
    signature = request.headers.get("X-Hub-Signature-256", "")
    if signature:
        return hmac_sha256_valid(body=request.body, secret=secret, signature=signature)
    return same_secret(request.headers.get("X-Gitlab-Token", ""), secret)


class GitHookView(APIView):
    """A push webhook of the postmortems' Git repository (any payload; the signature is checked)."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.AllowAny]  # checked in post(): a signature or a token

    @extend_schema(
        summary="Git push webhook",
        description=(
            "Point the Git host's push webhook at this URL to bring merged edits of postmortems back "
            "at once (beat also pulls every five minutes). Authenticate with the secret in "
            "`HINDSIGHT_GIT_WEBHOOK_SECRET`: GitHub, Gitea and Forgejo sign the body "
            "(`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`), GitLab sends it as `X-Gitlab-Token`; "
            "or with an integration token (`Authorization: Token <key>`). The body is only checked "
            "to be JSON. Answers 202 with the queued pull job (a pull already waiting is reused); 401 "
            "without a valid signature or token, 403 for a viewer's token, 404 while Git sync is not "
            "configured (there is nothing to pull)."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            202: inline_serializer(
                name="GitPullQueued",
                fields={"job": serializers.CharField(), "url": serializers.CharField()},
            ),
            **errors(401, 403),
            404: OpenApiResponse(description="Git sync is not configured."),
        },
    )
    def post(self, request: Request) -> Response:
        token = request.auth
        if isinstance(token, ApiToken):
            if not (token.is_integration or is_responder(request.user)):
                return Response({"detail": "Use an integration token or a responder's token."}, status=403)
        elif not _signed(request, webhook_secret()):
            return Response(
                {"detail": "Sign the body with HINDSIGHT_GIT_WEBHOOK_SECRET or send an integration token."},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        # The body says nothing Hindsight needs (a pull reads the branch), but it is read through
        # the one JSON parser like every hook's: hostile JSON is a 400 here too.
        request.data  # noqa: B018
        if git_target() is None:
            return Response(
                {"detail": "Git sync is not configured (HINDSIGHT_GIT_REPOSITORY)."},
                status=status.HTTP_404_NOT_FOUND,
            )
        job = gitsync_pull_request(actor=request.user if isinstance(token, ApiToken) else None)
        url = request.build_absolute_uri(reverse("api:job-detail", args=[job.pk]))
        body: dict[str, Any] = {"job": str(job.pk), "url": url}
        return Response(body, status=status.HTTP_202_ACCEPTED)
