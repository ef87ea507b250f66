"""The 400 page: says what was wrong with the request (a query parameter, usually)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"message": str(exception or "")}, status=400)
