"""POST /api/v1/writing-check/: responders check a text; bad input is a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/writing-check/"


def test_it_returns_each_flag_with_its_span_explanation_and_suggestion(client_as: Any, owner: Any) -> None:
    text = "The root cause was olivia: she forgot to drain the node."
    response = client_as(owner).post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    flags = response.json()["flags"]
    assert [(flag["rule"], flag["text"]) for flag in flags] == [
        ("person-as-cause", "root cause was olivia"),
        ("forgot-to", "forgot to"),
    ]
    for flag in flags:
        assert text[flag["start"] : flag["end"]] == flag["text"]
        assert flag["explanation"]
        assert flag["suggestion"]


def test_blameless_text_has_no_flags(client_as: Any, admin_user: Any) -> None:
    response = client_as(admin_user).post(URL, {"text": "No human error was involved."}, format="json")
    assert response.status_code == 200
    assert response.json() == {"flags": []}


def test_it_rejects_anonymous_callers_viewers_and_integration_tokens(
    client_as: Any, viewer: Any, owner: Any
) -> None:
    assert client_as().post(URL, {"text": "human error"}, format="json").status_code == 401
    assert client_as(viewer).post(URL, {"text": "human error"}, format="json").status_code == 403
    integration = client_as(owner, integration=True)
    assert integration.post(URL, {"text": "human error"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 42}, "text"),
        ({"text": None}, "text"),
        ({"text": ["human error"]}, "text"),
        ({}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "ok", "people": ["olivia"]}, "people"),
    ],
)
def test_bad_input_is_a_400_with_the_field(client_as: Any, owner: Any, body: Any, field: str) -> None:
    response = client_as(owner).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_body_that_is_not_an_object_is_a_400(client_as: Any, owner: Any) -> None:
    response = client_as(owner).post(URL, ["human error"], format="json")
    assert response.status_code == 400


def test_the_longest_allowed_text_is_checked(client_as: Any, owner: Any) -> None:
    text = "human error " + "x" * (20_000 - 12)
    response = client_as(owner).post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    assert [flag["rule"] for flag in response.json()["flags"]] == ["human-error"]
