from typing import Any

from django.http import HttpRequest

from incidents.panels import navigation
from incidents.permissions import is_admin, is_responder, role_of


def hindsight(request: HttpRequest) -> dict[str, Any]:
    """Expose the user's role to templates (what to show, not what to allow: views check)."""
    user = getattr(request, "user", None)
    return {
        "user_role": role_of(user),
        "user_is_responder": is_responder(user),
        "user_is_admin": is_admin(user),
        "htmx_version": "2.0.11",
        "hindsight_navigation": navigation(),
    }
