"""Hostile JSON on every endpoint of the OpenAPI schema that takes a body: a 400, nothing changed.

The endpoints come from `/api/v1/schema/`, so an endpoint added later is covered without being
listed here. Each gets a body nested 5,000 levels deep (a 500 from RecursionError before the one
parser refused it) and a body giving a key twice (silently keeping the last value before).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from incidents.api.parsers import MAX_DEPTH, json_depth, loads_strict
from incidents.models import AlertSource
from incidents.services.alert_sources import alert_source_token_issue
from tests.security.snapshot import changed_tables, table_snapshot
from tests.security.urlwalk import Route, fill
from tests.security.world import WORLD_ALERT_SOURCE, IncidentWorld, build_incident, placeholder_values

pytestmark = pytest.mark.django_db

BODY_METHODS = ("post", "put", "patch")
DEEP = 5_000
SENTRY_SECRET = "hostile-json-test-secret"
DEPLOY_SECRET = "hostile-json-deploy-secret"


def deep_body(depth: int = DEEP) -> str:
    """`{"title": [[[…]]]}` with `depth` levels in all."""
    return '{"title": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def duplicate_key_body(key: str) -> str:
    return f'{{"{key}": "first", "{key}": "second"}}'


def json_operations(schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path template, method, a property name) for every operation taking a JSON request body."""
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in BODY_METHODS:
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            found.append((path, method, _a_property(schema, content["application/json"].get("schema", {}))))
    return found


def _a_property(schema: dict[str, Any], body: dict[str, Any]) -> str:
    """A property the body schema names (following one $ref), so the duplicate is a real field."""
    ref = body.get("$ref", "")
    if ref:
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    properties = [name for name, spec in body.get("properties", {}).items() if not spec.get("readOnly")]
    return properties[0] if properties else "title"


@pytest.fixture
def world(owner: Any, participant: Any) -> IncidentWorld:
    return build_incident(owner=owner, private=False, participant=participant, text="Checkout errors")


@pytest.fixture
def operations(client: Any) -> list[tuple[str, str, str]]:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    found = json_operations(response.json())
    # The schema really lists the write endpoints (incidents, timeline, the webhook, …).
    assert len(found) >= 10, found
    assert ("/api/v1/hooks/alertmanager/", "post") in {(path, method) for path, method, _ in found}
    return found


@pytest.fixture(autouse=True)
def hook_credentials(db: Any) -> Iterator[dict[str, str]]:
    """The hooks with credentials of their own, set up so hostile bodies get past them to the parser.

    Unsigned or untokened, they answer 401 before reading a byte of JSON (tested with each hook).
    """
    source = AlertSource.objects.create(name="World", slug=WORLD_ALERT_SOURCE, group_key="id", title="title")
    token = alert_source_token_issue(source=source)
    with override_settings(
        HINDSIGHT={
            **settings.HINDSIGHT,
            "SENTRY_CLIENT_SECRET": SENTRY_SECRET,
            "GITHUB_DEPLOY_WEBHOOK_SECRET": DEPLOY_SECRET,
            "GITLAB_DEPLOY_WEBHOOK_TOKEN": DEPLOY_SECRET,
        }
    ):
        yield {"generic": token}


def _hook_headers(path: str, body: str, credentials: dict[str, str]) -> dict[str, str]:
    if path.startswith("/api/v1/hooks/sentry/"):
        signature = hmac.new(SENTRY_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
        return {
            "HTTP_SENTRY_HOOK_SIGNATURE": signature,
            "HTTP_SENTRY_HOOK_TIMESTAMP": str(int(time.time())),
            "HTTP_SENTRY_HOOK_RESOURCE": "issue",
        }
    if path.startswith("/api/v1/hooks/tickets/"):  # the world's GitHub tracker connection (secret "s")
        return {
            "HTTP_X_HUB_SIGNATURE_256": "sha256=" + hmac.new(b"s", body.encode(), hashlib.sha256).hexdigest(),
            "HTTP_X_GITHUB_EVENT": "issues",
            "HTTP_X_GITHUB_DELIVERY": str(time.time_ns()),
        }
    if path.startswith("/api/v1/hooks/generic/"):
        return {"HTTP_X_HINDSIGHT_TOKEN": credentials["generic"]}
    if path.startswith("/api/v1/hooks/changes/github/"):
        signature = hmac.new(DEPLOY_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
        return {
            "HTTP_X_HUB_SIGNATURE_256": f"sha256={signature}",
            "HTTP_X_GITHUB_EVENT": "deployment_status",
            "HTTP_X_GITHUB_DELIVERY": str(time.time_ns()),
        }
    if path.startswith("/api/v1/hooks/changes/gitlab/"):
        return {
            "HTTP_X_GITLAB_TOKEN": DEPLOY_SECRET,
            "HTTP_X_GITLAB_EVENT": "Deployment Hook",
            "HTTP_X_GITLAB_EVENT_UUID": str(time.time_ns()),
        }
    return {}


def _send(
    client: APIClient, method: str, path: str, body: str, credentials: dict[str, str] | None = None
) -> Any:
    extra = _hook_headers(path, body, credentials or {})
    return client.generic(method.upper(), path, body, content_type="application/json", **extra)


def _targets(
    operations: list[tuple[str, str, str]], world: IncidentWorld, user: Any
) -> list[tuple[str, str, str]]:
    """(method, concrete path, property) per operation, placeholders filled with `world`'s objects.

    Filled before the snapshot: filling may create what a placeholder needs (a notification).
    """
    targets = []
    for template, method, key in operations:
        route = Route(template, None, None)
        values = placeholder_values(route, world, owner=user)
        assert values is not None, f"no object for the placeholders of {method} {template}"
        targets.append((method, fill(route, values), key))
    return targets


def test_the_depth_is_measured_without_recursion_and_strings_do_not_count() -> None:
    assert json_depth(deep_body(100_000)) == 100_000
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert isinstance(loads_strict(deep_body(MAX_DEPTH)), dict)


@pytest.mark.parametrize("who", ["admin_user", "owner"])
def test_a_deeply_nested_body_is_a_400_everywhere_and_changes_nothing(
    request: pytest.FixtureRequest,
    client_as: Callable[..., APIClient],
    world: IncidentWorld,
    owner: Any,
    operations: list[tuple[str, str, str]],
    who: str,
    hook_credentials: dict[str, str],
) -> None:
    user = request.getfixturevalue(who)
    client = client_as(user)
    targets = _targets(operations, world, user)
    before = table_snapshot()
    problems = []
    for method, path, _ in targets:
        response = _send(client, method, path, deep_body(), hook_credentials)
        detail = response.json().get("detail", "") if response.status_code == 400 else ""
        if response.status_code != 400 or f"nested more than {MAX_DEPTH} levels" not in detail:
            problems.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert problems == []
    assert changed_tables(before, table_snapshot()) == []


def test_a_duplicate_key_is_a_400_naming_the_key_everywhere_and_changes_nothing(
    client_as: Callable[..., APIClient],
    world: IncidentWorld,
    admin_user: Any,
    owner: Any,
    operations: list[tuple[str, str, str]],
    hook_credentials: dict[str, str],
) -> None:
    client = client_as(admin_user)
    targets = _targets(operations, world, admin_user)
    before = table_snapshot()
    problems = []
    for method, path, key in targets:
        response = _send(client, method, path, duplicate_key_body(key), hook_credentials)
        detail = response.json().get("detail", "") if response.status_code == 400 else ""
        if response.status_code != 400 or f"key '{key}' more than once" not in detail:
            problems.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert problems == []
    assert changed_tables(before, table_snapshot()) == []


def test_a_duplicate_key_deep_inside_the_body_is_refused_too(
    client_as: Callable[..., APIClient], admin_user: Any
) -> None:
    body = (
        '{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", '
        '"labels": {"alertname": "Down", "severity": "critical", "severity": "info"}}]}'
    )
    client = client_as(admin_user)
    before = table_snapshot()

    response = _send(client, "post", "/api/v1/hooks/alertmanager/", body)

    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON body gives the key 'severity' more than once."}
    assert changed_tables(before, table_snapshot()) == []


def test_a_duplicate_title_no_longer_keeps_the_last_one(as_owner: APIClient) -> None:
    before = table_snapshot()

    response = _send(
        as_owner, "post", "/api/v1/incidents/", '{"title": "a", "title": "b", "severity": "SEV2"}'
    )

    assert response.status_code == 400
    assert "'title'" in response.json()["detail"]
    assert changed_tables(before, table_snapshot()) == []


def test_real_payloads_still_parse(as_owner: APIClient) -> None:
    response = _send(
        as_owner, "post", "/api/v1/incidents/", json.dumps({"title": "Checkout down", "severity": "SEV2"})
    )

    assert response.status_code == 201, response.content
