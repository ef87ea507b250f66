"""The push and pull jobs through a real Celery worker and broker (as the other job tests)."""

from __future__ import annotations

import pytest
from django.db import transaction

from incidents.models import Job
from incidents.postmortems.exports import export_markdown
from incidents.postmortems.models import Postmortem
from tests.gitsync.conftest import publish
from tests.postmortems.test_worker import wait_for, worker  # noqa: F401 — the shared worker fixture


@pytest.mark.django_db(transaction=True)
def test_publishing_commits_on_the_worker_and_a_webhook_pull_comes_back(
    worker,  # noqa: F811
    git_settings,
    record,
    owner,
    reviewer,
    clone,
    client,
):
    with transaction.atomic():
        postmortem = publish(record, owner, reviewer)
    push = Job.objects.get(name="gitsync.push", incident=record)

    assert wait_for(push).status == "succeeded"
    repository = clone()
    path = f"postmortems/{record.reference}.md"
    assert repository.read(path) == export_markdown(Postmortem.objects.get(pk=postmortem.pk))

    repository.edit(path, repository.read(path).replace("_Not written yet._", "From Git.", 1))
    response = client.post(
        "/api/v1/hooks/git/",
        data=b"{}",
        content_type="application/json",
        headers={"X-Gitlab-Token": "s3cret"},
    )
    assert response.status_code == 202
    pull = Job.objects.get(pk=response.json()["job"])

    assert wait_for(pull).status == "succeeded"
    assert pull.result["applied"] == [record.reference]
    assert "From Git." in set(
        Postmortem.objects.get(pk=postmortem.pk).sections.values_list("body", flat=True)
    )
