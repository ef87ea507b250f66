"""The authentication backend for the OpenID Connect authorization-code flow.

mozilla-django-oidc does the protocol (state, nonce, PKCE, token exchange, ID token signature
against the provider's JWKS); this subclass reads endpoints through discovery, also checks the ID
token's issuer and audience, matches users by issuer + `sub` and hands the writing to
`services.oidc_sign_in`. Any failure of the exchange is a refused sign-in, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from incidents.sso.conf import SsoUnavailable, endpoint, issuer, oidc_setting, sso_enabled

logger = logging.getLogger(__name__)


class OidcBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Settings are read per sign-in (below), not here: Django builds every backend for every
        # password sign-in too, and SSO may be off.
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if request is None or not sso_enabled() or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            self.OIDC_OP_TOKEN_ENDPOINT = endpoint("OIDC_OP_TOKEN_ENDPOINT")
            self.OIDC_OP_USER_ENDPOINT = endpoint("OIDC_OP_USER_ENDPOINT")
            self.OIDC_OP_JWKS_ENDPOINT = endpoint("OIDC_OP_JWKS_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
            self.OIDC_RP_CLIENT_SECRET = oidc_setting("OIDC_RP_CLIENT_SECRET")
            self.OIDC_RP_SIGN_ALGO = oidc_setting("OIDC_RP_SIGN_ALGO", "RS256")
            self.OIDC_RP_IDP_SIGN_KEY = oidc_setting("OIDC_RP_IDP_SIGN_KEY", None)
            return super().authenticate(request, **kwargs)
        except (
            requests.RequestException,
            jwt.PyJWTError,
            SuspiciousOperation,
            SsoUnavailable,
            ValidationError,
            IntegrityError,  # two first sign-ins of one account at once: the other one won
            KeyError,
            TypeError,
            ValueError,
        ) as exc:
            logger.warning("Single sign-on refused: %s", exc)
            return None

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None:
            return payload  # a signed userinfo response: no iss/aud rules of its own here
        if str(payload.get("iss", "")).rstrip("/") != issuer():
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's (some providers put groups
        in one, some in the other)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update(info)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return isinstance(claims.get("sub"), str) and bool(claims["sub"])

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("no subject claim")
        # Imported here: AUTHENTICATION_BACKENDS names this class even when incidents.sso is left
        # out of INSTALLED_APPS, and its models must not load then.
        from incidents.sso.services import oidc_sign_in

        return oidc_sign_in(issuer=issuer(), claims=claims)

    def get_user(self, user_id: Any) -> Any:
        """The session's user with their profile (timezone) in one query; None once deactivated."""
        try:
            user = self.UserModel._default_manager.select_related("profile").get(pk=user_id)
        except (self.UserModel.DoesNotExist, ValueError, TypeError, OverflowError):
            return None
        return user if self.user_can_authenticate(user) else None
