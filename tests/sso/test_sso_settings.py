"""SSO off means the product as before; the role mapping, the checks and the service's refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from incidents.permissions import role_of
from incidents.sso.conf import parse_role_map, role_for
from incidents.sso.models import OidcIdentity
from incidents.sso.services import oidc_sign_in
from tests.factories import UserFactory

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
