"""`POST /api/v1/hooks/git/`: a signed or tokened push webhook queues a pull."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from incidents.models import Job
from incidents.postmortems.models import Postmortem
from incidents.services import api_token_create
from tests.gitsync.conftest import run_jobs

pytestmark = pytest.mark.django_db

URL = "/api/v1/hooks/git/"
BODY = json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()


def _signature(body: bytes, secret: str = "s3cret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(client: APIClient, **headers: str):
    return client.post(URL, data=BODY, content_type="application/json", headers=headers)


def _token_client(user, *, integration: bool) -> APIClient:
    client = APIClient()
    _, key = api_token_create(user=user, name="git host", is_integration=integration)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_github_signed_push_queues_a_pull_that_brings_the_edit_back(published, clone):
    repository = clone()
    path = f"postmortems/{published.incident.reference}.md"
    repository.edit(path, repository.read(path).replace("_Not written yet._", "Written in Git.", 1))

    response = _post(APIClient(), **{"X-Hub-Signature-256": _signature(BODY), "X-GitHub-Event": "push"})

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert job.name == "gitsync.pull"
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")
    [ran] = run_jobs()
    assert ran.status == "succeeded"
    bodies = set(Postmortem.objects.get(pk=published.pk).sections.values_list("body", flat=True))
    assert "Written in Git." in bodies


def test_a_pull_already_waiting_is_reused(git_settings):
    first = _post(APIClient(), **{"X-Gitlab-Token": "s3cret"})
    second = _post(APIClient(), **{"X-Gitlab-Token": "s3cret"})

    assert first.status_code == second.status_code == 202
    assert first.json()["job"] == second.json()["job"]
    assert Job.objects.filter(name="gitsync.pull").count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": _signature(BODY, "wrong")},
        {"X-Gitlab-Token": "wrong"},
    ],
)
def test_unsigned_or_badly_signed_posts_are_refused(git_settings, headers):
    response = _post(APIClient(), **headers)

    assert response.status_code == 401
    assert not Job.objects.exists()


def test_without_a_secret_configured_a_signature_proves_nothing(git_settings):
    git_settings.HINDSIGHT = {**git_settings.HINDSIGHT, "GIT_WEBHOOK_SECRET": ""}

    assert _post(APIClient(), **{"X-Hub-Signature-256": _signature(BODY, "")}).status_code == 401
    assert _post(APIClient(), **{"X-Gitlab-Token": ""}).status_code == 401


def test_an_integration_token_is_accepted_and_a_viewers_token_refused(git_settings, owner, viewer):
    assert _post(_token_client(owner, integration=True)).status_code == 202
    response = _post(_token_client(viewer, integration=False))
    assert response.status_code == 403
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token nope")
    assert _post(stranger).status_code == 401


def test_without_a_repository_the_hook_says_so(settings):
    settings.HINDSIGHT = {**settings.HINDSIGHT, "GIT_REPOSITORY": "", "GIT_WEBHOOK_SECRET": "s3cret"}

    response = _post(APIClient(), **{"X-Gitlab-Token": "s3cret"})

    assert response.status_code == 404
    assert not Job.objects.exists()
