"""Signing out at the provider too: OpenID Connect RP-Initiated Logout 1.0.

At an SSO sign-in the callback keeps the provider's `end_session_endpoint` in the session (the ID
token is kept there by mozilla-django-oidc, `OIDC_STORE_ID_TOKEN`). Signing out of Hindsight then
ends Hindsight's session and sends the browser to that endpoint with `id_token_hint`,
`post_logout_redirect_uri` (the login page) and `client_id`; the provider ends its own session and
sends the browser back. Password sessions, a provider without the endpoint and
`OIDC_LOGOUT_AT_PROVIDER=false` keep the plain sign-out.

The endpoint is read at sign-in, while the discovery document is at hand, so that neither signing
out nor rendering a page waits for the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from incidents.sso.conf import SsoUnavailable, endpoint, logout_at_provider_enabled, oidc_setting

logger = logging.getLogger(__name__)

OIDC_BACKEND = "incidents.sso.backends.OidcBackend"
SESSION_ENDPOINT = "oidc_end_session_endpoint"
SESSION_ID_TOKEN = "oidc_id_token"  # mozilla-django-oidc's key


def _web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def provider_logout_remember(request: HttpRequest) -> None:
    """At an SSO sign-in: keep the provider's end-session endpoint in the new session, if it has one."""
    try:
        url = endpoint("OIDC_OP_LOGOUT_ENDPOINT")
    except SsoUnavailable as exc:  # signing in worked; only signing out there will not
        logger.warning("No end-session endpoint for signing out at the provider: %s", exc)
        return
    if url and _web_url(url):
        request.session[SESSION_ENDPOINT] = url


def provider_logout_endpoint(request: HttpRequest) -> str:
    """The end-session endpoint this session's sign-out goes to; "" for a plain sign-out."""
    if not logout_at_provider_enabled():
        return ""
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return ""  # no session to read (and reading it would add "Vary: Cookie" to public pages)
    # The backend, not the ID token alone: a refused SSO attempt can leave a token in a session
    # that later signs in with a password.
    if session.get(BACKEND_SESSION_KEY) != OIDC_BACKEND:
        return ""
    return str(session.get(SESSION_ENDPOINT) or "")


def provider_logout_url(request: HttpRequest) -> str:
    """The provider's end-session URL for this session's user, or "" (read before the session ends).

    Same signature as mozilla-django-oidc's `OIDC_OP_LOGOUT_URL_METHOD` hook.
    """
    url = provider_logout_endpoint(request)
    if not url:
        return ""
    params: list[tuple[str, str]] = []
    id_token = request.session.get(SESSION_ID_TOKEN)
    if isinstance(id_token, str) and id_token:
        params.append(("id_token_hint", id_token))
    params.append(("post_logout_redirect_uri", request.build_absolute_uri(reverse("login"))))
    params.append(("client_id", str(oidc_setting("OIDC_RP_CLIENT_ID"))))
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params])
    return urlunsplit(parts._replace(query=query))


class ProviderLogoutCspMiddleware:
    """Allow the sign-out form on an SSO user's pages to end at the provider.

    Browsers apply the page's CSP `form-action` to every redirect of a form submission, so with
    `form-action 'self'` alone the redirect from /logout/ to the provider would be blocked. Only
    sessions that will sign out there get the provider's origin added; everyone else keeps 'self'.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        url = provider_logout_endpoint(request)
        if url:
            parts = urlsplit(url)
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", ()), f"{parts.scheme}://{parts.netloc}"]
            response._csp_update = update  # type: ignore[attr-defined]  # django-csp's per-response hook
        return response
