"""SSO settings as the rest of the app reads them, and the provider's endpoints (discovery).

The endpoints come from `{OIDC_ISSUER}/.well-known/openid-configuration`, fetched on first use and
kept per process; `OIDC_OP_*_ENDPOINT` settings override them one by one.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from django.conf import settings

from incidents.choices import Role

# Highest first: with several matching groups the highest role wins.
ROLE_RANK = [Role.ADMIN, Role.RESPONDER, Role.VIEWER]
# mozilla-django-oidc's setting name → (explicit setting, discovery document key).
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    # RP-Initiated Logout 1.0; Hindsight's own name (mozilla-django-oidc has no setting for it).
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
# Endpoints a provider may lack: Hindsight then does without (no userinfo call, no sign-out there).
OPTIONAL_ENDPOINTS = {"OIDC_OP_USER_ENDPOINT", "OIDC_OP_LOGOUT_ENDPOINT"}

_metadata: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


class SsoUnavailable(Exception):
    """The provider could not be reached or described itself wrongly."""


def sso_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", ""))


def local_login_enabled() -> bool:
    return bool(getattr(settings, "HINDSIGHT_LOCAL_LOGIN", True))


def logout_at_provider_enabled() -> bool:
    """Whether signing out of Hindsight also signs SSO users out at the provider (when it can)."""
    return sso_enabled() and bool(getattr(settings, "OIDC_LOGOUT_AT_PROVIDER", True))


def provider_name() -> str:
    return str(getattr(settings, "OIDC_PROVIDER_NAME", "") or "single sign-on")


def issuer() -> str:
    return str(settings.OIDC_ISSUER).rstrip("/")


def parse_role_map(text: str) -> dict[str, str]:
    """`"sre-admins=admin, sre=responder"` → {"sre-admins": "admin", "sre": "responder"}.

    Raises ValueError naming the first entry that is not `group=role` with a known role.
    """
    mapping: dict[str, str] = {}
    for entry in (part.strip() for part in (text or "").split(",")):
        if not entry:
            continue
        group, sep, role = entry.rpartition("=")
        group, role = group.strip(), role.strip().lower()
        if not sep or not group or role not in Role.values:
            raise ValueError(f"{entry!r}: write group=role with role one of {', '.join(Role.values)}")
        mapping[group] = role
    return mapping


def claim_values(claims: dict[str, Any]) -> list[str]:
    """The role claim's values: a list, or a single string (some providers send one group)."""
    value = claims.get(getattr(settings, "OIDC_ROLE_CLAIM", "groups") or "groups")
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def role_for(groups: list[str]) -> str:
    """The highest role any of the groups maps to; viewer when none does."""
    mapping = parse_role_map(getattr(settings, "OIDC_ROLE_MAP", ""))
    granted = {mapping[group] for group in groups if group in mapping}
    return next((role for role in ROLE_RANK if role in granted), Role.VIEWER)


def metadata() -> dict[str, Any]:
    """The provider's discovery document, fetched once per issuer and process."""
    key = issuer()
    with _lock:
        if key in _metadata:
            return _metadata[key]
    url = f"{key}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoUnavailable(f"could not read {url}: {exc}") from exc
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != key:
        raise SsoUnavailable(f"{url} names another issuer ({document.get('issuer')!r}), not {key!r}")
    with _lock:
        _metadata[key] = document
    return document


def endpoint(name: str) -> str:
    """An endpoint URL by mozilla-django-oidc's setting name: the explicit setting, else discovery."""
    explicit = getattr(settings, name, "")
    if explicit:
        return str(explicit)
    value = metadata().get(ENDPOINTS[name], "")
    if not value and name not in OPTIONAL_ENDPOINTS:
        raise SsoUnavailable(f"the provider's discovery document has no {ENDPOINTS[name]}")
    return str(value)


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's `get_settings`, resolving endpoints through discovery."""
    if attr in ENDPOINTS:
        return endpoint(attr)
    if default:
        return getattr(settings, attr, default[0])
    return getattr(settings, attr)
