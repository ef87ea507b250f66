"""The user's claims. `groups` is read from STATE_DIR/groups.json on every request, so a test can
change it between two logins, as an administrator would at a real provider."""

import json
from typing import Any

from django.conf import settings
from oidc_provider.lib.claims import ScopeClaims


def _groups(username: str) -> list[str]:
    path = settings.STATE_DIR / "groups.json"
    if not path.exists():
        return []
    groups: list[str] = json.loads(path.read_text()).get(username, [])
    return groups


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    claims["name"] = user.get_full_name()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


class GroupsScopeClaims(ScopeClaims):
    info_groups = ("Groups", "The groups you belong to.")

    def scope_groups(self) -> dict[str, Any]:
        return {"groups": _groups(self.user.username)}
