"""The permission every API endpoint starts from (kept free of view imports: settings load it)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from incidents.models import ApiToken


class IsApiUser(permissions.BasePermission):
    """Signed in with a session or a user token; integration tokens only reach webhooks."""

    message = "Integration tokens can only post to webhooks."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        return not (isinstance(token, ApiToken) and token.is_integration)
