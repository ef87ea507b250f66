"""Login rate limiting (django-axes) adapted to how Hindsight is deployed and tested."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class LoginRateLimitBackend(AxesStandaloneBackend):
    """Refuse logins for a locked-out username+IP; ignore calls made without a request.

    Every login a client can drive (the login page, the admin's login, DRF's authenticators) passes
    the request, so it is counted and can be locked out. `authenticate()` without a request only
    happens in server-side code — `Client.login()` in tests, management commands, the shell — which
    no attacker can call in a loop, so it is passed on to the next backend rather than refused.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        # Sessions created by `force_login` name the first backend: load users as below.
        return UserModelBackend().get_user(user_id)


def client_ip_address(request: HttpRequest) -> str | None:
    """Return the client's address, trusting X-Forwarded-For only for the configured proxy hops."""
    proxies: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    address: str | None = request.META.get("REMOTE_ADDR")
    return address


def is_not_a_password(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """django-axes' whitelist: an OpenID Connect callback carries no password to guess.

    It is guarded by its one-time state and the provider's one-time code; counted as a failure
    under username None, a few failed callbacks would lock everyone behind one address out of SSO.
    """
    return "nonce" in (credentials or {})


class UserModelBackend(ModelBackend):
    """Django's ModelBackend, loading a session's user with their profile (timezone) in one query.

    Inactive users get None, as ModelBackend's `user_can_authenticate` gives. Passwords are refused
    while HINDSIGHT_LOCAL_LOGIN is off (the admin's login too); sessions already open stay valid.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if not getattr(settings, "HINDSIGHT_LOCAL_LOGIN", True):
            return None
        return super().authenticate(request, *args, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("profile").get(pk=user_id)
        except (user_model.DoesNotExist, ValueError, TypeError, OverflowError):
            return None
        return user if self.user_can_authenticate(user) else None
