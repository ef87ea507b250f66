"""SSO off means the product as before; the role mapping, the checks, the service's refusals, sign-out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_httpserver import HTTPServer

from incidents.permissions import role_of
from incidents.sso import conf as sso_conf
from incidents.sso.conf import parse_role_map, role_for
from incidents.sso.logout import SESSION_ENDPOINT, SESSION_ID_TOKEN
from incidents.sso.models import OidcIdentity
from incidents.sso.services import oidc_sign_in
from tests.factories import UserFactory
from tests.sso.conftest import form_action

ISSUER = "https://idp.example.com"


def test_with_sso_off_the_login_page_is_the_password_form_alone(client: Any, db: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = ""
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"Sign in with" not in page.content
    assert b'id="id_password"' in page.content
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_with_sso_off_passwords_sign_in_as_before(client: Any, db: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = ""
    user = UserFactory(username="lou")
    user.set_password("correct-horse-battery")
    user.save()
    response = client.post("/login/", {"username": "lou", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_with_sso_and_local_login_the_page_offers_both(client: Any, db: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_PROVIDER_NAME = "Okta"
    page = client.get("/login/?next=/incidents/").content.decode()
    assert 'href="/oidc/authenticate/?next=/incidents/"' in page
    assert "Sign in with Okta" in page
    assert 'id="id_password"' in page


def test_the_provider_unreachable_is_a_message_not_an_error(client: Any, db: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = "http://127.0.0.1:9/unreachable"
    settings.OIDC_TIMEOUT = 2
    response = client.get("/oidc/authenticate/", follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    assert b"cannot be reached just now" in response.content


def test_explicit_endpoints_override_discovery(client: Any, db: Any, settings: Any) -> None:
    settings.OIDC_ISSUER = "http://127.0.0.1:9/unreachable"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.com/authorize"
    settings.OIDC_RP_CLIENT_ID = "hindsight"
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.example.com/authorize?")
    assert "client_id=hindsight" in response["Location"]


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["sre-admins"], "admin"),
        (["sre"], "responder"),
        (["sre", "sre-admins"], "admin"),
        (["everyone"], "viewer"),
        ([], "viewer"),
    ],
)
def test_the_highest_mapped_role_wins_and_no_match_is_viewer(
    settings: Any, groups: list[str], role: str
) -> None:
    settings.OIDC_ROLE_MAP = "sre-admins=admin, sre=responder"
    assert role_for(groups) == role


def test_role_map_mistakes_are_named() -> None:
    assert parse_role_map(" a=Admin ,, b = viewer ") == {"a": "admin", "b": "viewer"}
    for bad in ("sre", "sre=boss", "=admin"):
        with pytest.raises(ValueError, match="group=role"):
            parse_role_map(bad)


def test_check_refuses_a_configuration_that_cannot_work(settings: Any) -> None:
    settings.OIDC_ROLE_MAP = "sre=boss"
    with pytest.raises(SystemCheckError, match="sso.E001"):
        call_command("check")
    settings.OIDC_ROLE_MAP = ""
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_SECRET = ""
    with pytest.raises(SystemCheckError, match="OIDC_CLIENT_SECRET"):
        call_command("check")
    settings.OIDC_ISSUER = ""
    settings.HINDSIGHT_LOCAL_LOGIN = False
    with pytest.raises(SystemCheckError, match="nobody could sign in"):
        call_command("check")


def test_a_role_claim_given_as_one_string_counts(db: Any, settings: Any) -> None:
    settings.OIDC_ROLE_MAP = "sre=responder"
    settings.OIDC_ROLE_CLAIM = "roles"
    user = oidc_sign_in(issuer=ISSUER, claims={"sub": "42", "roles": "sre", "email": "x@example.com"})
    assert role_of(user) == "responder"
    assert user.username == "x"


def test_no_subject_is_refused_and_nothing_is_saved(db: Any) -> None:
    for claims in ({"email": "x@example.com"}, {"sub": ""}, {"sub": 42}, {"sub": "s" * 300}):
        with pytest.raises(ValidationError):
            oidc_sign_in(issuer=ISSUER, claims=claims)
    assert not OidcIdentity.objects.exists()


def test_the_same_subject_at_another_issuer_is_another_user(db: Any) -> None:
    one = oidc_sign_in(issuer=ISSUER, claims={"sub": "7", "preferred_username": "sam"})
    other = oidc_sign_in(issuer="https://other.example.com", claims={"sub": "7", "preferred_username": "sam"})
    again = oidc_sign_in(
        issuer=ISSUER, claims={"sub": "7", "preferred_username": "renamed", "name": "Sam Lee"}
    )
    assert one.pk == again.pk != other.pk
    assert (again.username, again.first_name, again.last_name) == ("sam", "Sam", "Lee")
    assert other.username == "sam-2"


def test_other_groups_are_kept_when_the_role_changes(db: Any, settings: Any) -> None:
    from django.contrib.auth.models import Group

    settings.OIDC_ROLE_MAP = "sre=responder"
    user = oidc_sign_in(issuer=ISSUER, claims={"sub": "9", "groups": ["sre"]})
    team = Group.objects.create(name="payments-team")
    user.groups.add(team)
    user = oidc_sign_in(issuer=ISSUER, claims={"sub": "9", "groups": []})
    assert sorted(user.groups.values_list("name", flat=True)) == ["payments-team", "viewer"]


def test_an_unverified_email_is_not_taken(db: Any) -> None:
    user = oidc_sign_in(
        issuer=ISSUER, claims={"sub": "5", "email": "boss@example.com", "email_verified": False}
    )
    assert user.email == ""
    assert user.username == "boss"


# Signing out at the provider (RP-initiated logout), against a provider played by a local HTTP server:
# its discovery document, keys and token endpoint, with an ID token signed for the nonce Hindsight sent.

KID = "test-key"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake_provider(
    httpserver: HTTPServer, signing_key: rsa.RSAPrivateKey, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., None]:
    """Set SSO up against the local server; call it with the discovery document's extra keys."""

    def serve(**extra: str) -> None:
        monkeypatch.setattr(sso_conf, "_metadata", {})  # this test's discovery document, not a cached one
        issuer = httpserver.url_for("/idp").rstrip("/")
        settings.OIDC_ISSUER = issuer
        settings.OIDC_RP_CLIENT_ID = "hindsight"
        settings.OIDC_RP_CLIENT_SECRET = "secret"  # noqa: S105
        document = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            **extra,
        }
        httpserver.expect_request("/idp/.well-known/openid-configuration").respond_with_json(document)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
        httpserver.expect_request("/idp/jwks").respond_with_json(
            {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}
        )

    return serve


def sign_in_through(client: Any, httpserver: HTTPServer, signing_key: rsa.RSAPrivateKey) -> None:
    """Start at /oidc/authenticate/, let the provider answer the code with a signed ID token."""
    start = client.get("/oidc/authenticate/")
    query = parse_qs(urlparse(start["Location"]).query)
    now = int(time.time())
    claims = {"iss": sso_conf.issuer(), "aud": "hindsight", "sub": "u-1", "nonce": query["nonce"][0]}
    id_token = jwt.encode(
        {**claims, "iat": now, "exp": now + 300, "preferred_username": "sam"},
        signing_key,
        algorithm="RS256",
        headers={"kid": KID},
    )
    httpserver.expect_oneshot_request("/idp/token", method="POST").respond_with_json(
        {"access_token": "at", "token_type": "Bearer", "id_token": id_token}
    )
    callback = client.get("/oidc/callback/", {"code": "c", "state": query["state"][0]})
    assert callback.status_code == 302
    assert callback["Location"] == "/", "the sign-in should have worked"


def sign_out(client: Any) -> Any:
    csrf = client.get("/").context["csrf_token"]
    return client.post("/logout/", {"csrfmiddlewaretoken": str(csrf)})


def test_an_sso_user_signs_out_at_the_provider(
    client: Any, db: Any, fake_provider: Callable[..., None], httpserver: HTTPServer, signing_key: Any
) -> None:
    fake_provider(end_session_endpoint=httpserver.url_for("/idp/logout?realm=sre"))
    sign_in_through(client, httpserver, signing_key)

    response = sign_out(client)

    location = urlparse(response["Location"])
    assert location._replace(query="").geturl() == httpserver.url_for("/idp/logout")
    query = parse_qs(location.query)
    assert query["realm"] == ["sre"]  # the endpoint's own parameters are kept
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    assert query["client_id"] == ["hindsight"]
    assert jwt.decode(query["id_token_hint"][0], options={"verify_signature": False})["sub"] == "u-1"
    assert client.get("/").status_code == 302  # Hindsight's session is over


def test_a_password_user_signs_out_of_hindsight_only(
    client: Any, db: Any, fake_provider: Callable[..., None], httpserver: HTTPServer
) -> None:
    fake_provider(end_session_endpoint=httpserver.url_for("/idp/logout"))
    user = UserFactory(username="lou")
    user.set_password("correct-horse-battery")
    user.save()
    # A refused SSO attempt in the same browser can leave an ID token behind; it must not count.
    session = client.session
    session[SESSION_ID_TOKEN] = "left-over"
    session[SESSION_ENDPOINT] = httpserver.url_for("/idp/logout")
    session.save()
    client.post("/login/", {"username": "lou", "password": "correct-horse-battery"})

    page = client.get("/")
    assert form_action(page["Content-Security-Policy"]) == ["'self'"]
    response = sign_out(client)

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_with_logout_at_provider_off_sso_users_sign_out_of_hindsight_only(
    client: Any,
    db: Any,
    fake_provider: Callable[..., None],
    httpserver: HTTPServer,
    signing_key: Any,
    settings: Any,
) -> None:
    fake_provider(end_session_endpoint=httpserver.url_for("/idp/logout"))
    sign_in_through(client, httpserver, signing_key)
    settings.OIDC_LOGOUT_AT_PROVIDER = False  # read at sign-out: sessions begun before it change too

    page = client.get("/")
    assert form_action(page["Content-Security-Policy"]) == ["'self'"]
    response = sign_out(client)

    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_a_provider_without_end_session_endpoint_keeps_the_plain_sign_out(
    client: Any, db: Any, fake_provider: Callable[..., None], httpserver: HTTPServer, signing_key: Any
) -> None:
    fake_provider()  # e.g. Google: no end_session_endpoint in discovery
    sign_in_through(client, httpserver, signing_key)

    page = client.get("/")
    assert form_action(page["Content-Security-Policy"]) == ["'self'"]
    response = sign_out(client)

    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_an_explicit_end_session_endpoint_overrides_discovery(
    client: Any,
    db: Any,
    fake_provider: Callable[..., None],
    httpserver: HTTPServer,
    signing_key: Any,
    settings: Any,
) -> None:
    fake_provider()
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://logout.example.com/end"
    sign_in_through(client, httpserver, signing_key)

    page = client.get("/")
    assert form_action(page["Content-Security-Policy"]) == ["'self'", "https://logout.example.com"]
    assert sign_out(client)["Location"].startswith("https://logout.example.com/end?id_token_hint=")


def test_sign_out_stays_a_post_with_csrf(client: Any, db: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.post("/logout/").status_code == 403
