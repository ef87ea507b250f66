"""Edits merged in Git come back as revisions; edits on both sides become conflicts for a person."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django_celery_beat.models import PeriodicTask

from incidents.gitsync.models import Conflict, SyncLog, SyncState
from incidents.gitsync.services import PULL_JOB, conflict_resolve, gitsync_pull
from incidents.gitsync.tasks import pull_from_git
from incidents.jobs import job_enqueue
from incidents.postmortems.exports import export_markdown
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_publish,
    postmortem_reopen,
    postmortem_submit,
    section_update,
)
from tests.gitsync.conftest import remote_head, run_jobs

pytestmark = pytest.mark.django_db

LESSONS = (
    "Canary every payments deploy.\n\n## Follow-up\n\nA heading of the writer's own stays in the section."
)


def _git_edit(clone, postmortem, old: str, new: str, message: str = "Sharpen the lessons") -> tuple[str, str]:
    """Jane changes the postmortem in her clone and pushes; return (path, commit)."""
    repository = clone()
    path = f"postmortems/{postmortem.incident.reference}.md"
    text = repository.read(path)
    assert old in text
    return path, repository.edit(path, text.replace(old, new, 1), message)


def _lessons_prompt(postmortem: Postmortem) -> str:
    return postmortem.sections.get(key="lessons").prompt


# The lessons are not written yet: the export says so under their heading.
UNWRITTEN = "## Lessons learned\n\n_Not written yet._"
WRITTEN = f"## Lessons learned\n\n{LESSONS}"


def _reopen_and_edit(postmortem: Postmortem, owner, body: str) -> Postmortem:
    postmortem = postmortem_reopen(postmortem=postmortem, actor=owner)
    section_update(postmortem=postmortem, key="went_well", actor=owner, body=body)
    return Postmortem.objects.get(pk=postmortem.pk)


def test_a_commit_pushed_by_someone_else_comes_back_as_a_new_revision(published, clone):
    before = published.revision_number
    _, commit = _git_edit(clone, published, UNWRITTEN, WRITTEN)
    job_enqueue(name=PULL_JOB)

    [job] = run_jobs()

    assert job.status == "succeeded"
    assert job.result["applied"] == [published.incident.reference]
    postmortem = Postmortem.objects.get(pk=published.pk)
    assert postmortem.status == "published"
    assert postmortem.sections.get(key="lessons").body == LESSONS
    revision = postmortem.revisions.first()
    assert (revision.number, revision.kind, revision.author) == (before + 1, "import", None)
    assert revision.reason == f"from Git commit {commit[:10]} by Jane Doe <jane@example.com>"
    assert {s["key"]: s["body"] for s in revision.snapshot}["lessons"] == LESSONS
    state = SyncState.objects.get(postmortem=postmortem)
    assert (state.commit, state.revision_number) == (commit, before + 1)

    # Pulling again brings nothing new.
    assert gitsync_pull()["unchanged"] == [published.incident.reference]
    assert Postmortem.objects.get(pk=published.pk).revision_number == before + 1


def test_the_beat_task_pulls_and_is_scheduled(published, clone):
    _git_edit(clone, published, UNWRITTEN, WRITTEN)

    pull_from_git()

    assert Postmortem.objects.get(pk=published.pk).sections.get(key="lessons").body == LESSONS
    # What migration 0002 wrote (rebuilt here: a transactional test's flush may have removed it).
    importlib.import_module("incidents.gitsync.migrations.0002_pull_schedule").schedule(django_apps, None)
    task = PeriodicTask.objects.get(task="hindsight.gitsync.pull")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 5, "minutes")


def test_edited_in_hindsight_and_in_git_is_a_conflict_and_nothing_is_overwritten(published, clone, owner):
    postmortem = _reopen_and_edit(published, owner, "The rollback script worked first time.")
    revision = postmortem.revision_number
    _git_edit(clone, published, UNWRITTEN, WRITTEN)

    result = gitsync_pull()

    assert result["conflicts"] == [published.incident.reference]
    postmortem = Postmortem.objects.get(pk=published.pk)
    assert postmortem.revision_number == revision
    assert postmortem.sections.get(key="lessons").body == _lessons_prompt(published)
    conflict = Conflict.objects.get(postmortem=postmortem, status="open")
    assert conflict.kind == "edited_in_both"
    assert LESSONS in conflict.git_markdown
    assert "The rollback script worked first time." in conflict.hindsight_markdown
    assert conflict.git_authors == "Jane Doe <jane@example.com>"

    # Pulling again does not record the same conflict twice.
    gitsync_pull()
    assert Conflict.objects.filter(postmortem=postmortem).count() == 1


def test_taking_gits_version_applies_it_as_a_revision(published, clone, owner):
    _reopen_and_edit(published, owner, "The rollback script worked first time.")
    _git_edit(clone, published, UNWRITTEN, WRITTEN)
    gitsync_pull()
    conflict = Conflict.objects.get(status="open")

    conflict_resolve(conflict=conflict, actor=owner, choice="git")

    postmortem = Postmortem.objects.get(pk=published.pk)
    assert postmortem.sections.get(key="lessons").body == LESSONS
    # Git's file had the old "what went well": taking Git's version takes it all.
    assert "The rollback script" not in postmortem.sections.get(key="went_well").body
    assert postmortem.revisions.first().author == owner
    assert "took Git's version" in postmortem.revisions.first().reason
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_by) == ("took_git", owner)
    # Settled: the next pull leaves it be.
    assert gitsync_pull()["unchanged"] == [published.incident.reference]


def test_keeping_hindsights_version_commits_it_over_gits(published, clone, owner, reviewer, remote):
    # Jane edits in Git while the postmortem is reopened, edited and published again in Hindsight.
    _git_edit(clone, published, UNWRITTEN, WRITTEN)
    postmortem = _reopen_and_edit(published, owner, "The rollback script worked first time.")
    postmortem = postmortem_submit(postmortem=postmortem, actor=owner)
    postmortem = postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem = postmortem_publish(postmortem=postmortem, actor=owner)
    head = remote_head(remote)

    [job] = run_jobs()  # the publication's push: Git's edit is not overwritten

    assert "conflict" in job.result
    assert remote_head(remote) == head
    conflict = Conflict.objects.get(status="open")

    conflict_resolve(conflict=conflict, actor=owner, choice="hindsight")
    [job] = run_jobs()

    assert job.result["changed"] is True
    text = clone().read(f"postmortems/{published.incident.reference}.md")
    assert text == export_markdown(Postmortem.objects.get(pk=published.pk))
    assert "The rollback script worked first time." in text
    assert LESSONS not in text
    conflict.refresh_from_db()
    assert conflict.status == "kept_hindsight"
    assert gitsync_pull()["unchanged"] == [published.incident.reference]


def test_malformed_markdown_is_a_conflict_and_nothing_is_overwritten(published, clone, owner):
    revision = published.revision_number
    _git_edit(clone, published, "## Lessons learned", "Lessons learned (heading lost)")

    gitsync_pull()

    assert Postmortem.objects.get(pk=published.pk).revision_number == revision
    conflict = Conflict.objects.get(status="open")
    assert conflict.kind == "malformed"
    assert "Lessons learned" in conflict.error
    assert SyncLog.objects.filter(action="pull").first().outcome == "conflict"
    with pytest.raises(ValidationError):
        conflict_resolve(conflict=conflict, actor=owner, choice="git")

    conflict_resolve(conflict=conflict, actor=owner, choice="hindsight")
    [job] = run_jobs()
    assert job.result["changed"] is True
    assert "## Lessons learned" in clone().read(f"postmortems/{published.incident.reference}.md")


def test_only_editors_resolve_conflicts(published, clone, owner, viewer):
    _git_edit(clone, published, "## Lessons learned", "Lessons learned")
    gitsync_pull()
    conflict = Conflict.objects.get(status="open")

    with pytest.raises(PermissionDenied):
        conflict_resolve(conflict=conflict, actor=viewer, choice="hindsight")
    conflict_resolve(conflict=conflict, actor=owner, choice="hindsight")
    with pytest.raises(ValidationError):
        conflict_resolve(conflict=conflict, actor=owner, choice="hindsight")
