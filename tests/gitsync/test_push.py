"""Publishing commits the postmortem (Markdown) and the record (JSON) to the Git repository."""

from __future__ import annotations

import io
import json

import pytest

from incidents.gitsync.models import SyncLog, SyncState
from incidents.gitsync.services import PUSH_JOB
from incidents.jobs import job_enqueue
from incidents.models import Job
from incidents.postmortems.exports import export_markdown
from incidents.postmortems.models import Postmortem
from tests.factories import CauseFactory, IncidentFactory, RemediationActionFactory
from tests.gitsync.conftest import publish, remote_head, run_jobs

pytestmark = pytest.mark.django_db


def test_publishing_commits_the_postmortem_and_the_record(published, clone, owner):
    reference = published.incident.reference
    repository = clone()

    assert repository.read(f"postmortems/{reference}.md") == export_markdown(published)
    assert "Half of all orders failed." in repository.read(f"postmortems/{reference}.md")
    record = json.loads(repository.read(f"records/{reference}.json"))
    assert record["incident"]["reference"] == reference
    assert record["postmortem"]["status"] == "published"
    assert record["exported_at"] == record["postmortem"]["published_at"]
    assert repository.log() == [f"Hindsight|{reference}: postmortem published by {owner.get_username()}"]
    state = SyncState.objects.get(postmortem=published)
    assert (state.path, state.commit) == (f"postmortems/{reference}.md", repository.head())
    assert SyncLog.objects.get(action="push").outcome == "committed"


def test_running_the_job_again_with_nothing_changed_makes_no_commit(published, remote):
    head = remote_head(remote)
    job_enqueue(
        name=PUSH_JOB, kwargs={"incident_id": published.incident_id}, incident_id=published.incident_id
    )

    [job] = run_jobs()

    assert job.status == "succeeded"
    assert job.result == {"commit": None, "changed": False}
    assert remote_head(remote) == head
    assert SyncLog.objects.filter(action="push").first().outcome == "unchanged"


def test_a_second_incident_adds_its_files_beside_the_first(published, clone, owner, reviewer):
    other = IncidentFactory(
        title="DNS outage",
        status="resolved",
        summary="Names did not resolve.",
        commander=owner,
        reporter=owner,
    )
    CauseFactory(incident=other, description="TTL too long")
    RemediationActionFactory(incident=other, title="Shorten the TTL")
    publish(other, owner, reviewer)
    run_jobs()

    repository = clone()
    assert repository.read(f"postmortems/{published.incident.reference}.md")
    assert "DNS outage" in repository.read(f"postmortems/{other.reference}.md")
    assert len(repository.log()) == 2


def test_a_private_incident_is_never_committed_by_default(git_settings, record, owner, reviewer, remote):
    record.private = True
    record.save()
    record.participants.add(reviewer)

    publish(record, owner, reviewer)

    assert not Job.objects.filter(name=PUSH_JOB).exists()
    assert remote_head(remote) is None


def test_a_private_incident_is_committed_when_configured(git_settings, record, owner, reviewer, clone):
    git_settings.HINDSIGHT = {**git_settings.HINDSIGHT, "GIT_INCLUDE_PRIVATE": True}
    record.private = True
    record.save()
    record.participants.add(reviewer)

    publish(record, owner, reviewer)
    run_jobs()

    assert "Half of all orders failed." in clone().read(f"postmortems/{record.reference}.md")


def test_a_job_for_an_incident_made_private_since_commits_nothing(published, remote):
    head = remote_head(remote)
    published.incident.private = True
    published.incident.save()
    job_enqueue(
        name=PUSH_JOB, kwargs={"incident_id": published.incident_id}, incident_id=published.incident_id
    )

    [job] = run_jobs()

    assert job.result == {"skipped": "private incident"}
    assert remote_head(remote) == head


def test_without_a_repository_publishing_queues_nothing(record, owner, reviewer):
    postmortem = publish(record, owner, reviewer)

    assert postmortem.status == "published"
    assert not Job.objects.filter(name__startswith="gitsync.").exists()


def test_a_failing_remote_never_blocks_publishing_and_the_job_is_retried(
    git_settings, record, owner, reviewer, tmp_path, clone, remote
):
    git_settings.HINDSIGHT = {**git_settings.HINDSIGHT, "GIT_REPOSITORY": str(tmp_path / "missing.git")}

    postmortem = publish(record, owner, reviewer)
    [job] = run_jobs()

    assert Postmortem.objects.get(pk=postmortem.pk).status == "published"
    assert job.status == "queued"  # back in the outbox: the task's autoretry backs off and tries again
    assert "Could not fetch" in job.error
    assert SyncLog.objects.get(action="push").outcome == "failed"

    # The remote is back: the retry commits.
    git_settings.HINDSIGHT = {**git_settings.HINDSIGHT, "GIT_REPOSITORY": str(remote)}
    [job] = run_jobs()
    assert job.status == "succeeded"
    assert clone().read(f"postmortems/{record.reference}.md") == export_markdown(postmortem)


def test_over_https_with_a_token_it_commits(git_settings, http_remote, record, owner, reviewer, clone):
    git_settings.HINDSIGHT = {
        **git_settings.HINDSIGHT,
        "GIT_REPOSITORY": http_remote.url,
        "GIT_USERNAME": "hindsight-bot",
        "GIT_PASSWORD": "t0ken",
    }

    publish(record, owner, reviewer)
    [job] = run_jobs()

    assert job.status == "succeeded"
    assert http_remote.requests > 0
    assert "Half of all orders failed." in clone().read(f"postmortems/{record.reference}.md")


def test_a_wrong_token_is_retried_and_never_written_to_the_log(
    git_settings, http_remote, record, owner, reviewer, remote
):
    url = http_remote.url.replace("http://", "http://hindsight-bot:wr0ng-t0ken@")
    git_settings.HINDSIGHT = {**git_settings.HINDSIGHT, "GIT_REPOSITORY": url}

    publish(record, owner, reviewer)
    [job] = run_jobs()

    assert job.status == "queued"
    assert remote_head(remote) is None
    log = SyncLog.objects.get(action="push")
    assert log.outcome == "failed"
    assert "***@127.0.0.1" in log.message
    assert "wr0ng-t0ken" not in log.message + job.error


def test_the_command_queues_every_published_postmortem_that_may_go_to_git(
    git_settings, record, owner, reviewer, clone
):
    from django.core.management import call_command
    from django.test.utils import override_settings

    with override_settings(HINDSIGHT={**git_settings.HINDSIGHT, "GIT_REPOSITORY": ""}):
        publish(record, owner, reviewer)  # published before Git sync was configured
    private = IncidentFactory(
        title="Key leak",
        status="resolved",
        summary="A key leaked.",
        private=True,
        commander=owner,
        reporter=owner,
    )
    private.participants.add(reviewer)
    CauseFactory(incident=private, description="Key in a log line")
    RemediationActionFactory(incident=private, title="Scrub logs")
    with override_settings(HINDSIGHT={**git_settings.HINDSIGHT, "GIT_REPOSITORY": ""}):
        publish(private, owner, reviewer)

    call_command("gitsync_push_all", stdout=io.StringIO())
    [job] = run_jobs()

    assert job.incident_id == record.pk
    repository = clone()
    assert repository.read(f"postmortems/{record.reference}.md")
    assert not (repository.path / f"postmortems/{private.reference}.md").exists()
