"""The bare mirror against a real repository: commits on the tip, pushes that race someone else."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidents.gitsync.repository import GitChanged, GitTarget, Mirror, open_mirror, redact
from tests.gitsync.conftest import git


@pytest.fixture
def target(remote: Path, tmp_path: Path) -> GitTarget:
    return GitTarget(
        url=str(remote),
        branch="main",
        author_name="Hindsight",
        author_email="hindsight@example.com",
        data_dir=tmp_path / "mirror",
    )


def test_a_push_that_races_someone_elses_is_rebuilt_on_their_commit(target, clone, monkeypatch):
    with open_mirror(target) as mirror:
        mirror.commit_and_push({"postmortems/INC-1.md": b"one\n"}, "INC-1")
    jane = clone()
    push = Mirror._push
    raced: list[str] = []

    def push_after_jane(self: Mirror, *, expected: str | None, new: str) -> bool:
        if not raced:  # Jane pushes between Hindsight's fetch and its push
            (jane.path / "README.md").write_text("Postmortems\n")
            git("add", "README.md", cwd=jane.path)
            git("commit", "--quiet", "-m", "Add a README", cwd=jane.path)
            git("push", "--quiet", "origin", "main", cwd=jane.path)
            raced.append(jane.head())
        return push(self, expected=expected, new=new)

    monkeypatch.setattr(Mirror, "_push", push_after_jane)
    with open_mirror(target) as mirror:
        result = mirror.commit_and_push({"postmortems/INC-2.md": b"two\n"}, "INC-2")

    jane.pull()
    assert jane.head() == result.commit
    assert jane.log() == ["Hindsight|INC-2", "Jane Doe|Add a README", "Hindsight|INC-1"]
    assert jane.read("README.md") == "Postmortems\n"
    assert jane.read("postmortems/INC-2.md") == "two\n"


def test_an_edit_in_git_not_seen_yet_is_never_overwritten(target, clone):
    with open_mirror(target) as mirror:
        first = mirror.commit_and_push({"postmortems/INC-1.md": b"one\n"}, "INC-1")
    edited = clone().edit("postmortems/INC-1.md", "Jane's\n")

    with open_mirror(target) as mirror, pytest.raises(GitChanged) as changed:
        mirror.commit_and_push({"postmortems/INC-1.md": b"mine\n"}, "INC-1", seen=first.blobs)

    assert (changed.value.head, changed.value.file.content) == (edited, b"Jane's\n")
    assert clone().read("postmortems/INC-1.md") == "Jane's\n"


def test_credentials_are_redacted_from_urls():
    assert redact("https://bot:t0ken@git.example.com/pm.git") == "https://***@git.example.com/pm.git"
    assert redact("git@github.com:example/pm.git") == "git@github.com:example/pm.git"
    assert redact("/srv/git/pm.git") == "/srv/git/pm.git"
