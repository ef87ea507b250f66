"""Single sign-on end to end: Hindsight's live server against a real OpenID Connect provider
(django-oidc-provider in a subprocess, tests/sso/conftest.py), driven by an HTTP client that follows
the redirects and fills in the provider's sign-in and consent forms as a browser would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import requests
from django.contrib.auth import get_user_model
from simple_history.utils import get_history_model_for_model

from incidents.permissions import role_of
from incidents.services.accounts import api_token_create
from incidents.sso.models import OidcIdentity
from tests.factories import UserFactory
from tests.sso.conftest import CLIENT_ID, EMAIL, Provider, form_action, sign_in_with_sso

User = get_user_model()


def signed_in(browser: requests.Session, base_url: str) -> bool:
    response = browser.get(f"{base_url}/", allow_redirects=False, timeout=10)
    return response.status_code == 200


def sso_user() -> Any:
    return User.objects.select_related("oidc_identity").get(oidc_identity__subject__isnull=False)


def test_first_sign_in_creates_the_user_with_the_role_from_the_groups_claim(
    sso: Provider, live_server: Any
) -> None:
    sso.set_groups(["sre", "everyone"])
    browser = requests.Session()

    page = sign_in_with_sso(browser, live_server.url)

    assert page.status_code == 200
    assert urlparse(page.url).path == "/", page.url
    assert signed_in(browser, live_server.url)
    user = sso_user()
    assert (user.username, user.email, user.first_name, user.last_name) == ("alice", EMAIL, "Alice", "Smith")
    assert not user.has_usable_password()
    assert role_of(user) == "responder"
    assert user.oidc_identity.issuer == sso.issuer
    assert user.oidc_identity.claimed_groups == ["sre", "everyone"]
    history = get_history_model_for_model(OidcIdentity).objects.filter(id=user.oidc_identity.pk)
    assert [(row.history_type, row.role, row.history_user_id) for row in history] == [
        ("+", "responder", user.pk)
    ]


def test_the_role_follows_the_provider_at_every_sign_in(sso: Provider, live_server: Any) -> None:
    sso.set_groups(["sre-admins", "sre"])  # highest wins
    browser = requests.Session()
    sign_in_with_sso(browser, live_server.url)
    user = sso_user()
    assert role_of(user) == "admin"

    # Demoted at the provider: out of every mapped group.
    sso.set_groups(["everyone"])
    csrf = browser.cookies.get("csrftoken")
    browser.post(f"{live_server.url}/logout/", data={"csrfmiddlewaretoken": csrf}, timeout=10)
    assert not signed_in(browser, live_server.url)
    sign_in_with_sso(browser, live_server.url)

    assert signed_in(browser, live_server.url)
    again = User.objects.get(pk=user.pk)
    assert User.objects.filter(oidc_identity__isnull=False).count() == 1
    assert role_of(again) == "viewer"
    assert list(again.groups.values_list("name", flat=True)) == ["viewer"]
    history = (
        get_history_model_for_model(OidcIdentity)
        .objects.filter(id=user.oidc_identity.pk)
        .order_by("history_date")
    )
    assert [row.role for row in history] == ["admin", "viewer"]


def test_a_local_account_with_the_same_email_is_not_taken_over(sso: Provider, live_server: Any) -> None:
    local = UserFactory(username="alice", email=EMAIL, role="admin")
    browser = requests.Session()

    sign_in_with_sso(browser, live_server.url)

    user = sso_user()
    assert user.pk != local.pk
    assert user.username == "alice-2"
    assert role_of(user) == "viewer"
    assert not OidcIdentity.objects.filter(user=local).exists()


def _start(browser: requests.Session, base_url: str) -> str:
    """Start a sign-in and return the state Hindsight sent to the provider."""
    response = browser.get(f"{base_url}/oidc/authenticate/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    query = parse_qs(urlparse(response.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    return query["state"][0]


def _refused(response: requests.Response) -> None:
    assert urlparse(response.url).path == "/login/", response.url
    assert "Single sign-on did not complete" in response.text


def test_a_forged_state_is_refused(sso: Provider, live_server: Any) -> None:
    browser = requests.Session()
    _start(browser, live_server.url)

    forged = browser.get(
        f"{live_server.url}/oidc/callback/", params={"code": "x", "state": "forged"}, timeout=10
    )
    stranger = requests.get(
        f"{live_server.url}/oidc/callback/", params={"code": "x", "state": "forged"}, timeout=10
    )

    _refused(forged)
    _refused(stranger)
    assert not signed_in(browser, live_server.url)
    assert not User.objects.exists()


def test_a_state_from_another_browser_is_refused(sso: Provider, live_server: Any) -> None:
    """Login CSRF: an attacker's own code and state, replayed into a victim's browser."""
    attacker = requests.Session()
    state = _start(attacker, live_server.url)
    victim = requests.Session()
    victim.get(f"{live_server.url}/login/", timeout=10)

    response = victim.get(
        f"{live_server.url}/oidc/callback/", params={"code": "x", "state": state}, timeout=10
    )

    _refused(response)
    assert not User.objects.exists()


def test_a_bad_code_is_refused_without_locking_sso_out(
    sso: Provider, live_server: Any, settings: Any
) -> None:
    browser = requests.Session()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        state = _start(browser, live_server.url)
        response = browser.get(
            f"{live_server.url}/oidc/callback/",
            params={"code": "not-a-code-the-provider-gave", "state": state},
            timeout=10,
        )
        _refused(response)
        assert not signed_in(browser, live_server.url)
        assert not User.objects.exists()

    # Failed callbacks are no password guesses: the next real sign-in from this address works.
    sign_in_with_sso(browser, live_server.url)
    assert signed_in(browser, live_server.url)


def test_a_deactivated_user_cannot_sign_in_with_sso(sso: Provider, live_server: Any) -> None:
    sign_in_with_sso(requests.Session(), live_server.url)
    User.objects.filter(username="alice").update(is_active=False)
    browser = requests.Session()

    _refused(sign_in_with_sso(browser, live_server.url))
    assert not signed_in(browser, live_server.url)


def test_the_provider_refusing_is_a_refused_sign_in(sso: Provider, live_server: Any) -> None:
    browser = requests.Session()
    state = _start(browser, live_server.url)

    response = browser.get(
        f"{live_server.url}/oidc/callback/", params={"error": "access_denied", "state": state}, timeout=10
    )

    _refused(response)
    assert not User.objects.exists()


def test_with_local_login_off_only_sso_signs_in_and_tokens_still_work(
    sso: Provider, live_server: Any, settings: Any
) -> None:
    settings.HINDSIGHT_LOCAL_LOGIN = False
    local = UserFactory(username="lou", role="responder")
    local.set_password("correct-horse-battery")
    local.save()
    _, key = api_token_create(user=local, name="ci")
    browser = requests.Session()

    page = browser.get(f"{live_server.url}/login/", timeout=10)
    assert "Sign in with Test IdP" in page.text
    assert 'type="password"' not in page.text
    csrf = browser.cookies.get("csrftoken")
    refused = browser.post(
        f"{live_server.url}/login/",
        data={"csrfmiddlewaretoken": csrf, "username": "lou", "password": "correct-horse-battery"},
        timeout=10,
    )
    assert refused.status_code == 403
    assert "Password sign-in is turned off here. Sign in with Test IdP instead." in refused.text
    assert not signed_in(browser, live_server.url)
    admin_login = requests.Session()
    admin_page = admin_login.get(f"{live_server.url}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', admin_page.text)
    assert token
    admin_login.post(
        f"{live_server.url}/admin/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": "lou", "password": "correct-horse-battery"},
        timeout=10,
    )
    assert not signed_in(admin_login, live_server.url)

    api = requests.get(
        f"{live_server.url}/api/v1/incidents/", headers={"Authorization": f"Token {key}"}, timeout=10
    )
    assert api.status_code == 200

    page = sign_in_with_sso(browser, live_server.url, next_url="/incidents/")
    assert urlparse(page.url).path == "/incidents/"
    assert signed_in(browser, live_server.url)


def _sign_out(browser: requests.Session, base_url: str) -> requests.Response:
    """Click "Sign out" (a POST with the CSRF token) and stop at Hindsight's answer."""
    csrf = browser.cookies.get("csrftoken")
    return browser.post(
        f"{base_url}/logout/", data={"csrfmiddlewaretoken": csrf}, allow_redirects=False, timeout=10
    )


def test_signing_out_also_signs_out_at_the_provider(sso: Provider, live_server: Any) -> None:
    browser = requests.Session()
    sign_in_with_sso(browser, live_server.url)
    end_session = requests.get(f"{sso.issuer}/.well-known/openid-configuration", timeout=10).json()[
        "end_session_endpoint"
    ]
    # The pages' CSP lets the sign-out form's redirect reach the provider (browsers check it).
    page = browser.get(f"{live_server.url}/", timeout=10)
    assert form_action(page.headers["Content-Security-Policy"]) == ["'self'", sso.url]

    response = _sign_out(browser, live_server.url)

    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location._replace(query="").geturl() == end_session
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == [f"{live_server.url}/login/"]
    assert query["client_id"] == [CLIENT_ID]
    hint = jwt.decode(query["id_token_hint"][0], options={"verify_signature": False})
    assert (hint["iss"], hint["aud"]) == (sso.issuer, CLIENT_ID)
    assert not signed_in(browser, live_server.url)  # Hindsight's session is over already

    landed = browser.get(response.headers["Location"], timeout=10)  # the provider sends us back

    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/login/"
    assert "Sign in with Test IdP" in landed.text
    # The provider's session is gone: "Sign in with Test IdP" asks for the password again.
    again = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=10)
    assert urlparse(again.url).path == "/accounts/login/", again.url
    assert not signed_in(browser, live_server.url)


def test_with_logout_at_the_provider_off_the_provider_session_stays(
    sso: Provider, live_server: Any, settings: Any
) -> None:
    settings.OIDC_LOGOUT_AT_PROVIDER = False
    browser = requests.Session()
    sign_in_with_sso(browser, live_server.url)
    page = browser.get(f"{live_server.url}/", timeout=10)
    assert form_action(page.headers["Content-Security-Policy"]) == ["'self'"]

    response = _sign_out(browser, live_server.url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/"
    assert not signed_in(browser, live_server.url)
    # Still signed in at the provider: no password asked, straight to its consent page.
    again = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=10)
    assert urlparse(again.url).path.startswith("/openid/authorize"), again.url
