"""The product's URLs plus the bare DRF endpoint the HTTP benchmark compares every figure with."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BareView(APIView):
    """A constant small JSON object: the cost of Django, DRF and the middleware by themselves."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "service": "hindsight"})


urlpatterns = [
    path("bench/bare/", BareView.as_view()),
    path("", include("config.urls")),
]
