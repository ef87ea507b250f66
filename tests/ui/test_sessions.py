"""Sessions are Django's database sessions: signing in and out, expiry, deactivated users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_saved_session_loads_and_an_expired_one_does_not() -> None:
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert SessionStore(session_key=store.session_key)["answer"] == 42
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    stale = SessionStore(session_key=store.session_key)
    assert stale.get("answer") is None
    assert stale.session_key is None  # a new key is issued rather than the stale one reused
    assert SessionStore(session_key="no-such-session-key-000000000000").get("answer") is None


def test_signing_in_out_and_a_deactivated_user(client: Any, owner: Any) -> None:
    response = client.post(
        reverse("login"), {"username": owner.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    owner.is_active = False
    owner.save()
    # A deactivated user's session no longer signs them in.
    assert client.get(reverse("dashboard")).status_code == 302
    owner.is_active = True
    owner.save()
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302
