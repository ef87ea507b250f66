"""Throttles for the API: anonymous callers by address, signed-in callers per token (or per user)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

from incidents.models import ApiToken


class TokenRateThrottle(UserRateThrottle):
    """Rate `user`, counted per API token, so one runaway script does not lock out its owner's other
    tokens or browser session; session requests count per user."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonRateThrottle handles these
        token = request.auth
        ident = f"token-{token.pk}" if isinstance(token, ApiToken) else f"user-{request.user.pk}"
        return str(self.cache_format % {"scope": self.scope, "ident": ident})
