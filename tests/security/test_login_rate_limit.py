"""Login rate limiting (django-axes): repeated wrong passwords lock out one username from one address."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from incidents.services.accounts import api_token_create

PASSWORD = "correct-horse-battery"


def _attempt(client: Any, username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail_until_locked(client: Any, username: str, ip: str = "203.0.113.7") -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, username, "wrong-password", ip)


@pytest.mark.django_db
def test_a_few_wrong_passwords_do_not_lock_anyone_out(client: Any, owner: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, owner.username, "wrong-password").status_code == 200
    response = _attempt(client, owner.username, PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_it_locks_out_after_too_many_wrong_passwords(client: Any, owner: Any) -> None:
    _fail_until_locked(client, owner.username)
    response = _attempt(client, owner.username, PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_is_per_address(client: Any, owner: Any) -> None:
    _fail_until_locked(client, owner.username, ip="203.0.113.7")
    response = _attempt(client, owner.username, PASSWORD, ip="198.51.100.20")
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_lockout_is_per_username(client: Any, owner: Any, viewer: Any) -> None:
    _fail_until_locked(client, owner.username)
    assert _attempt(client, viewer.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_rate_limited_too(client: Any, admin_user: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": admin_user.username, "password": "nope"})
    response = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
def test_api_tokens_keep_working_for_a_locked_out_user(client: Any, api_client: Any, owner: Any) -> None:
    _fail_until_locked(client, owner.username, ip="127.0.0.1")
    _, key = api_token_create(user=owner, name="deploy script")
    response = api_client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_test_clients_sign_in_without_a_request(client: Any, owner: Any) -> None:
    assert client.login(username=owner.username, password=PASSWORD)
    assert client.get("/").status_code == 200
