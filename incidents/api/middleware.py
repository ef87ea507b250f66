"""Request-level rules for /api/: body size (413) and JSON error bodies for URLs DRF never sees."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


class ApiRequestMiddleware:
    """Refuse API bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413, and answer unmatched API
    URLs with JSON, so clients parsing every API response as JSON never meet an HTML page.

    DRF's JSON parser reads the raw stream, which bypasses Django's size check: we read the body
    here once, through `request.body`, which enforces it (and DRF reuses what was read).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        too_big = JsonResponse({"detail": f"The request body is larger than {limit} bytes."}, status=413)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            return too_big
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                request.body  # noqa: B018 — reading it enforces the limit
            except RequestDataTooBig:
                return too_big
        response = self.get_response(request)
        if response.status_code == 404 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return JsonResponse({"detail": "Not found."}, status=404)
        return response
