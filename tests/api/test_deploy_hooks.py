"""GitHub and GitLab deployment webhooks: a successful deployment becomes a `deploy` change, once.

The bodies are the forges' documented examples (tests/api/payloads/README.md), signed as they sign.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from incidents.models import ChangeEvent, ChangeHookDelivery, Service

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
GITHUB_HOOK = "/api/v1/hooks/changes/github/"
GITLAB_HOOK = "/api/v1/hooks/changes/gitlab/"
SECRET = "It's a Secret to Everybody"
TOKEN = "gitlab-deploy-token-0123456789"


def github_payload(**status: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / "github_deployment_status.json").read_text())
    payload["deployment_status"].update(status)
    return payload


def gitlab_payload(**fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((PAYLOADS / "gitlab_deployment.json").read_text())
    payload.update(fields)
    return payload


@pytest.fixture(autouse=True)
def _hooks_set_up() -> Iterator[None]:
    with override_settings(
        HINDSIGHT={
            **settings.HINDSIGHT,
            "GITHUB_DEPLOY_WEBHOOK_SECRET": SECRET,
            "GITLAB_DEPLOY_WEBHOOK_TOKEN": TOKEN,
        }
    ):
        yield


def github(
    client: Client,
    payload: Any,
    *,
    event: str = "deployment_status",
    delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    secret: str = SECRET,
    signature: str | None = None,
    query: str = "",
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": signed if signature is None else signature}
    if delivery:
        headers["X-GitHub-Delivery"] = delivery
    return client.post(GITHUB_HOOK + query, data=body, content_type="application/json", headers=headers)


def gitlab(
    client: Client,
    payload: Any,
    *,
    event: str = "Deployment Hook",
    uuid: str = "f7d1fe76-9d4b-4c55-92b8-35e6a1b1d6ab",
    token: str | None = TOKEN,
    query: str = "",
    idempotency_key: str = "",
) -> Any:
    headers = {"X-Gitlab-Event": event}
    if token is not None:
        headers["X-Gitlab-Token"] = token
    if uuid:
        headers["X-Gitlab-Event-UUID"] = uuid
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(GITLAB_HOOK + query, data=body, content_type="application/json", headers=headers)


# ---------------------------------------------------------------- GitHub


def test_a_successful_github_deployment_is_recorded_as_a_deploy_change(client: Client) -> None:
    response = github(client, github_payload())

    assert response.status_code == 201
    body = response.json()
    assert body["change"]["service"] == "Hello-World"
    assert body["change"]["kind"] == "deploy"
    assert body["change"]["summary"] == "Deployed master (f95f852) to production: Rolled out to 3 regions"
    assert body["change"]["at"] == "2019-05-15T15:20:55Z"
    assert body["change"]["url"] == "https://github.com/Codertocat/Hello-World/actions/runs/4182"
    assert body["change"]["author"] == "Codertocat"
    assert body["change"]["source"] == "github"
    change = ChangeEvent.objects.get()
    assert change.external_id == "deployment_status:209916254"
    assert change.service == Service.objects.get(name="Hello-World")


def test_the_service_can_be_named_in_the_hook_address(client: Client) -> None:
    response = github(client, github_payload(), query="?service=checkout")

    assert response.status_code == 201
    assert ChangeEvent.objects.get().service.name == "checkout"


def test_without_a_log_the_change_links_the_repository_deployments(client: Client) -> None:
    response = github(client, github_payload(log_url="", target_url="javascript:alert(1)", description=""))

    assert response.status_code == 201
    assert response.json()["change"]["url"] == "https://github.com/Codertocat/Hello-World/deployments"
    assert response.json()["change"]["summary"] == "Deployed master (f95f852) to production"


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", "not a signature"])
def test_a_bad_or_missing_github_signature_is_refused(client: Client, signature: str) -> None:
    response = github(client, github_payload(), signature=signature)

    assert response.status_code == 401
    assert not ChangeEvent.objects.exists()
    assert not ChangeHookDelivery.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(client: Client) -> None:
    assert github(client, github_payload(), secret="another secret").status_code == 401
    assert not ChangeEvent.objects.exists()


def test_the_github_hook_is_off_until_its_secret_is_set(client: Client) -> None:
    with override_settings(HINDSIGHT={**settings.HINDSIGHT, "GITHUB_DEPLOY_WEBHOOK_SECRET": ""}):
        response = github(client, github_payload(), secret="")

    assert response.status_code == 401
    assert "GITHUB_DEPLOY_WEBHOOK_SECRET" in response.json()["detail"]
    assert not ChangeEvent.objects.exists()


def test_github_ping_answers_200(client: Client) -> None:
    response = github(client, {"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping")

    assert response.status_code == 200
    assert "set up" in response.json()["detail"]


def test_other_github_events_are_acknowledged_and_unused(client: Client) -> None:
    response = github(client, {"ref": "refs/heads/main"}, event="push")

    assert response.status_code == 202
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize("state", ["pending", "queued", "in_progress", "failure", "error", "inactive"])
def test_a_deployment_that_did_not_succeed_is_acknowledged_not_recorded(client: Client, state: str) -> None:
    response = github(client, github_payload(state=state))

    assert response.status_code == 202
    assert state in response.json()["detail"]
    assert response.json()["change"] is None
    assert not ChangeEvent.objects.exists()


def test_a_deployment_is_recorded_when_it_succeeds_after_being_in_progress(client: Client) -> None:
    in_progress = github(client, github_payload(id=1, state="in_progress"), delivery="delivery-1")
    success = github(client, github_payload(id=2, state="success"), delivery="delivery-2")

    assert (in_progress.status_code, success.status_code) == (202, 201)
    assert ChangeEvent.objects.count() == 1


def test_a_replayed_github_delivery_is_refused(client: Client) -> None:
    assert github(client, github_payload()).status_code == 201

    replay = github(client, github_payload())

    assert replay.status_code == 409
    assert "replay" in replay.json()["detail"]
    assert ChangeEvent.objects.count() == 1


def test_a_replayed_ignored_delivery_is_refused_too(client: Client) -> None:
    assert github(client, github_payload(state="failure")).status_code == 202

    assert github(client, github_payload(state="failure")).status_code == 409


def test_a_redelivery_of_the_same_status_with_a_new_id_adds_nothing(client: Client) -> None:
    first = github(client, github_payload(), delivery="delivery-1")

    again = github(client, github_payload(), delivery="delivery-2")

    assert again.status_code == 200
    assert "recorded before" in again.json()["detail"]
    assert again.json()["change"]["id"] == first.json()["change"]["id"]
    assert ChangeEvent.objects.count() == 1


def test_a_github_delivery_without_an_id_is_refused(client: Client) -> None:
    response = github(client, github_payload(), delivery="")

    assert response.status_code == 400
    assert "X-GitHub-Delivery" in response.json()
    assert not ChangeEvent.objects.exists()


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    broken = deepcopy(payload)
    target = broken
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return broken


def _with(payload: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    broken = deepcopy(payload)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return broken


GOOD_GITHUB = github_payload()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([GOOD_GITHUB], "non_field_errors"),
        ("a string", "non_field_errors"),
        (_without(GOOD_GITHUB, "deployment_status"), "deployment_status"),
        (_without(GOOD_GITHUB, "deployment"), "deployment"),
        (_without(GOOD_GITHUB, "repository", "name"), "repository"),
        (_with(GOOD_GITHUB, 7, "repository", "name"), "repository"),
        (_with(GOOD_GITHUB, "x" * 101, "repository", "name"), "repository"),
        (_with(GOOD_GITHUB, "abc", "deployment_status", "id"), "deployment_status"),
        (_with(GOOD_GITHUB, True, "deployment_status", "state"), "deployment_status"),
        (_with(GOOD_GITHUB, "yesterday", "deployment_status", "created_at"), "deployment_status"),
        (_with(GOOD_GITHUB, "a login", "deployment_status", "creator"), "deployment_status"),
        (_with(GOOD_GITHUB, [], "deployment"), "deployment"),
    ],
)
def test_a_bad_github_payload_is_a_400_naming_the_field_and_records_nothing(
    client: Client, payload: Any, field: str
) -> None:
    response = github(client, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not ChangeEvent.objects.exists()
    assert not Service.objects.filter(name="Hello-World").exists()
    # Nothing was kept of the delivery either: the sender's corrected redelivery is accepted.
    assert github(client, GOOD_GITHUB).status_code == 201


def test_json_that_cannot_be_parsed_is_a_400(client: Client) -> None:
    assert github(client, b'{"deployment_status": ').status_code == 400
    assert not ChangeEvent.objects.exists()


def test_a_bad_service_in_the_address_is_a_400(client: Client) -> None:
    response = github(client, github_payload(), query="?service=" + "s" * 101)

    assert response.status_code == 400
    assert "service" in response.json()
    assert not ChangeEvent.objects.exists()


# ---------------------------------------------------------------- GitLab


def test_a_successful_gitlab_deployment_is_recorded_as_a_deploy_change(client: Client) -> None:
    response = gitlab(client, gitlab_payload())

    assert response.status_code == 201
    change = response.json()["change"]
    assert change["service"] == "test-deployment-webhooks"
    assert change["kind"] == "deploy"
    assert change["summary"] == "Deployed 1.0.0 (279484c) to staging: Add new file"
    assert change["at"] == "2021-04-28T19:50:00Z"  # 21:50 at +02:00
    assert change["url"] == "http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796"
    assert change["author"] == "root"
    assert change["source"] == "gitlab"
    assert ChangeEvent.objects.get().external_id == "deployment:15"


def test_a_gitlab_deployment_without_a_job_links_the_environment(client: Client) -> None:
    response = gitlab(client, gitlab_payload(deployable_url=None), query="?service=checkout")

    assert response.status_code == 201
    assert response.json()["change"]["url"] == "https://staging.example.com"
    assert response.json()["change"]["service"] == "checkout"


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x"])
def test_a_bad_or_missing_gitlab_token_is_refused(client: Client, token: str | None) -> None:
    response = gitlab(client, gitlab_payload(), token=token)

    assert response.status_code == 401
    assert not ChangeEvent.objects.exists()


def test_the_gitlab_hook_is_off_until_its_token_is_set(client: Client) -> None:
    with override_settings(HINDSIGHT={**settings.HINDSIGHT, "GITLAB_DEPLOY_WEBHOOK_TOKEN": ""}):
        response = gitlab(client, gitlab_payload(), token="")

    assert response.status_code == 401
    assert "GITLAB_DEPLOY_WEBHOOK_TOKEN" in response.json()["detail"]
    assert not ChangeEvent.objects.exists()


def test_other_gitlab_events_are_acknowledged_and_unused(client: Client) -> None:
    response = gitlab(client, {"object_kind": "push"}, event="Push Hook")

    assert response.status_code == 202
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize("state", ["running", "failed", "canceled", "blocked"])
def test_a_gitlab_deployment_that_did_not_succeed_is_not_recorded(client: Client, state: str) -> None:
    response = gitlab(client, gitlab_payload(status=state))

    assert response.status_code == 202
    assert not ChangeEvent.objects.exists()


def test_a_replayed_gitlab_delivery_is_refused(client: Client) -> None:
    assert gitlab(client, gitlab_payload(), idempotency_key="key-1", uuid="uuid-1").status_code == 201

    # GitLab retries with the same Idempotency-Key (and a new event UUID): still a replay.
    replay = gitlab(client, gitlab_payload(), idempotency_key="key-1", uuid="uuid-2")

    assert replay.status_code == 409
    assert ChangeEvent.objects.count() == 1


def test_a_gitlab_delivery_of_the_same_deployment_with_a_new_id_adds_nothing(client: Client) -> None:
    assert gitlab(client, gitlab_payload(), uuid="uuid-1").status_code == 201

    again = gitlab(client, gitlab_payload(), uuid="uuid-2")

    assert again.status_code == 200
    assert ChangeEvent.objects.count() == 1


def test_a_gitlab_delivery_without_an_id_is_refused(client: Client) -> None:
    response = gitlab(client, gitlab_payload(), uuid="")

    assert response.status_code == 400
    assert not ChangeEvent.objects.exists()


GOOD_GITLAB = gitlab_payload()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "non_field_errors"),
        (_with(GOOD_GITLAB, "push", "object_kind"), "object_kind"),
        (_without(GOOD_GITLAB, "deployment_id"), "deployment_id"),
        (_with(GOOD_GITLAB, "15", "deployment_id"), "deployment_id"),
        (_without(GOOD_GITLAB, "status"), "status"),
        (_with(GOOD_GITLAB, "soon", "status_changed_at"), "status_changed_at"),
        (_with(GOOD_GITLAB, "2021-04-28 21:50:00", "status_changed_at"), "status_changed_at"),
        (_with(GOOD_GITLAB, "a project", "project"), "project"),
        (_without(GOOD_GITLAB, "project", "name"), "project"),
        (_with(GOOD_GITLAB, {"username": 1}, "user"), "user"),
    ],
)
def test_a_bad_gitlab_payload_is_a_400_naming_the_field_and_records_nothing(
    client: Client, payload: Any, field: str
) -> None:
    response = gitlab(client, payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not ChangeEvent.objects.exists()
    assert gitlab(client, GOOD_GITLAB).status_code == 201


def test_the_deployment_hooks_are_in_the_schema(client: Client) -> None:
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    assert set(paths[GITHUB_HOOK]["post"]["responses"]) >= {"200", "201", "202", "400", "401", "409"}
    assert set(paths[GITLAB_HOOK]["post"]["responses"]) >= {"200", "201", "202", "400", "401", "409"}
    assert "/api/v1/incidents/{id}/changes/{change_id}/cause/" in paths
