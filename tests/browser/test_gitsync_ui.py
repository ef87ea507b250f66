"""Postmortems in Git as an author meets them in Chromium: the Git card after publishing from the
page, and a conflict (edited in Git and in Hindsight) shown with its diff and both buttons, settled
from the card. The remote is a real bare repository in tmp_path; queued jobs run from the test
thread, as a worker would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incidents.gitsync.models import Conflict
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_ensure,
    postmortem_generate,
    postmortem_publish,
    postmortem_reopen,
    postmortem_submit,
    section_update,
)
from tests.browser.test_accessibility import axe_violations
from tests.gitsync.conftest import (  # noqa: F401 — shared fixtures
    clone,
    git_settings,
    published,
    record,
    remote,
    remote_head,
    reviewer,
    run_jobs,
)

pytestmark = pytest.mark.browser

LESSONS = "Canary every payments deploy."


def test_publishing_from_the_page_commits_and_the_card_says_where(
    page: Any,
    sign_in: Any,
    git_settings: Any,  # noqa: F811
    remote: Path,  # noqa: F811
    record: Any,  # noqa: F811
    owner: Any,
    reviewer: Any,  # noqa: F811
) -> None:
    postmortem_generate(incident_id=record.pk)
    postmortem = postmortem_ensure(incident=record)
    section_update(postmortem=postmortem, key="impact", actor=owner, body="Half of all orders failed.")
    postmortem = postmortem_submit(postmortem=postmortem, actor=owner, reviewers=[reviewer.username])
    postmortem_approve(postmortem=postmortem, actor=reviewer)
    sign_in(owner)
    page.goto(f"/incidents/{record.reference}/postmortem/")
    card = page.locator("#git-sync")
    assert card.locator("h2").inner_text() == "Git"
    assert card.get_by_test_id("git-status").inner_text() == "Not in Git yet: committed when published."

    page.get_by_role("button", name="Publish").click()
    page.get_by_role("main").get_by_text("Published.", exact=True).wait_for()
    assert remote_head(remote) is None  # the push is a job, after the request
    [job] = run_jobs()
    assert job.status == "succeeded", job.error
    page.goto(f"/incidents/{record.reference}/postmortem/")

    status = card.get_by_test_id("git-status").inner_text()
    head = remote_head(remote)
    assert head is not None
    assert f"as postmortems/{record.reference}.md · commit {head[:10]}" in status
    assert str(remote) in status
    assert "Last sync: push · committed" in card.inner_text()
    assert card.get_by_test_id("git-conflict").count() == 0
    assert axe_violations(page) == []


@pytest.fixture
def conflicted(published: Postmortem, clone: Any, owner: Any, reviewer: Any) -> Conflict:  # noqa: F811
    """Jane writes the lessons in Git while the postmortem is reopened, edited and published again
    in Hindsight: the publication's push finds Git's edit and records a conflict."""
    repository = clone()
    path = f"postmortems/{published.incident.reference}.md"
    text = repository.read(path)
    unwritten = "## Lessons learned\n\n_Not written yet._"
    assert unwritten in text
    repository.edit(path, text.replace(unwritten, f"## Lessons learned\n\n{LESSONS}", 1))
    postmortem = postmortem_reopen(postmortem=published, actor=owner)
    section_update(
        postmortem=postmortem, key="went_well", actor=owner, body="The rollback script worked first time."
    )
    postmortem = postmortem_submit(postmortem=postmortem, actor=owner)
    postmortem = postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem_publish(postmortem=postmortem, actor=owner)
    [job] = run_jobs()
    assert "conflict" in (job.result or {})
    return Conflict.objects.get(status="open")


@pytest.mark.parametrize(
    ("button", "said", "lessons_from_git"),
    [
        ("Take Git's version", "Took Git's version.", True),
        ("Keep Hindsight's", "Kept Hindsight's version.", False),
    ],
)
def test_a_conflict_shows_its_diff_and_is_settled_from_the_card(
    page: Any,
    sign_in: Any,
    owner: Any,
    remote: Path,  # noqa: F811
    conflicted: Conflict,
    button: str,
    said: str,
    lessons_from_git: bool,
) -> None:
    reference = conflicted.postmortem.incident.reference
    sign_in(owner)
    page.goto(f"/incidents/{reference}/postmortem/")
    card = page.locator("#git-sync")
    conflict = card.get_by_test_id("git-conflict")
    assert "Edited in Git and in Hindsight." in conflict.inner_text()
    assert "by Jane Doe <jane@example.com>" in conflict.inner_text()
    conflict.locator("summary", has_text="Changes from Hindsight's version to Git's").click()
    added = conflict.locator(".pm-diff-line.add", has_text=LESSONS)
    assert added.is_visible()
    removed = conflict.locator(".pm-diff-line.del", has_text="The rollback script worked first time.")
    assert removed.is_visible()
    assert conflict.get_by_role("button", name="Take Git's version").is_visible()
    assert conflict.get_by_role("button", name="Keep Hindsight's").is_visible()
    assert axe_violations(page) == []

    conflict.get_by_role("button", name=button).click()
    page.wait_for_url("**/postmortem/#git-sync")
    assert said in page.get_by_role("main").inner_text()
    assert card.get_by_test_id("git-conflict").count() == 0
    lessons = page.get_by_test_id("body-lessons").inner_text()
    went_well = page.get_by_test_id("body-went_well").inner_text()
    if lessons_from_git:
        assert LESSONS in lessons
        assert "The rollback script" not in went_well
    else:
        assert LESSONS not in lessons
        assert "The rollback script worked first time." in went_well
        # Keeping Hindsight's version commits it over Git's (the push job).
        before = remote_head(remote)
        [job] = run_jobs()
        assert job.status == "succeeded", job.error
        after = remote_head(remote)
        assert after is not None
        assert after != before
        page.reload()
        assert after[:10] in card.get_by_test_id("git-status").inner_text()
    conflicted.refresh_from_db()
    assert conflicted.status == ("took_git" if lessons_from_git else "kept_hindsight")
