"""API clients signed in as each persona, with real tokens (the way scripts call the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents.services import api_token_create


@pytest.fixture
def client_as(db: Any) -> Callable[..., APIClient]:
    """Return a function giving an API client authenticated by a new token of `user` (or anonymous)."""

    def make(user: Any = None, *, integration: bool = False) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = api_token_create(user=user, name="tests", is_integration=integration)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def as_owner(client_as: Callable[..., APIClient], owner: Any) -> APIClient:
    return client_as(owner)
