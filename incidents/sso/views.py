"""Sign-in pages: the login page (password and/or SSO), the two OpenID Connect endpoints, and sign-out."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from incidents.sso.conf import (
    SsoUnavailable,
    endpoint,
    local_login_enabled,
    oidc_setting,
    provider_name,
    sso_enabled,
)
from incidents.sso.logout import provider_logout_remember, provider_logout_url

logger = logging.getLogger(__name__)
FAILED = (
    "Single sign-on did not complete, so you are not signed in. "
    "Try again; if it keeps failing, ask an administrator."
)
UNAVAILABLE = "The single sign-on provider cannot be reached just now. Try again in a minute."


class LoginForm(AuthenticationForm):
    """Django's sign-in form, refusing passwords outright while local sign-in is turned off."""

    def clean(self) -> dict[str, Any]:
        if not local_login_enabled():
            raise forms.ValidationError(
                f"Password sign-in is turned off here. Sign in with {provider_name()} instead.",
                code="local_login_off",
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso_enabled()
        context["sso_provider_name"] = provider_name()
        context["local_login"] = local_login_enabled()
        return context

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if not local_login_enabled():
            response.status_code = 403
        return response


class OidcStartView(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/: off to the provider, with a fresh state, nonce and PKCE challenge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SsoUnavailable as exc:
            logger.warning("Single sign-on unavailable: %s", exc)
            messages.error(request, UNAVAILABLE)
            return HttpResponseRedirect(reverse("login"))
        self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/: the provider sends the browser back here with a code and the state."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    @property
    def failure_url(self) -> str:
        return reverse("login")

    def login_failure(self) -> HttpResponse:
        messages.error(self.request, FAILED)
        return super().login_failure()

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        provider_logout_remember(self.request)
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # a state this browser never started: forged or replayed
            logger.warning("Single sign-on callback refused: %s", exc)
            return self.login_failure()


class LogoutView(auth_views.LogoutView):
    """POST /logout/: end Hindsight's session; after an SSO sign-in, then the provider's too.

    Still POST-only with a CSRF token (Django's LogoutView); only where the browser goes next
    changes: to the provider's end-session endpoint, which sends it back to the login page.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = provider_logout_url(request)  # read now: signing out flushes the session
        response = super().post(request, *args, **kwargs)
        if at_provider:
            return HttpResponseRedirect(at_provider)
        return response
