"""Real Git repositories on disk: a bare repository as the remote, and clones of it for people."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from incidents.jobs import TransientJobError, job_run
from incidents.models import Incident, Job
from incidents.models.jobs import JobStatus
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_ensure,
    postmortem_generate,
    postmortem_publish,
    postmortem_submit,
    section_update,
)
from tests.postmortems.conftest import record, reviewer  # noqa: F401 — shared fixtures


def git(*args: str, cwd: Path | None = None) -> str:
    """Run the git binary as a person would (Jane edits postmortems in her clone)."""
    return subprocess.run(  # noqa: S603 — fixed arguments, test repositories only
        ["git", "-c", "user.name=Jane Doe", "-c", "user.email=jane@example.com", *args],  # noqa: S607
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "postmortems.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(path))
    return path


@pytest.fixture
def git_settings(settings: Any, remote: Path, tmp_path: Path) -> Any:
    settings.HINDSIGHT = {
        **settings.HINDSIGHT,
        "GIT_REPOSITORY": str(remote),
        "GIT_BRANCH": "main",
        "GIT_AUTHOR_NAME": "Hindsight",
        "GIT_AUTHOR_EMAIL": "hindsight@example.com",
        "GIT_INCLUDE_PRIVATE": False,
        "GIT_DATA_DIR": str(tmp_path / "data"),
        "GIT_WEBHOOK_SECRET": "s3cret",
    }
    return settings


class Clone:
    """A person's clone of the remote: read files, edit them, push."""

    def __init__(self, remote: Path, path: Path) -> None:
        git("clone", "--quiet", str(remote), str(path))
        self.path = path

    def pull(self) -> Clone:
        git("pull", "--quiet", "--ff-only", cwd=self.path)
        return self

    def read(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def edit(self, name: str, text: str, message: str = "Edit the postmortem") -> str:
        self.pull()
        (self.path / name).write_text(text, encoding="utf-8")
        git("commit", "--quiet", "-am", message, cwd=self.path)
        git("push", "--quiet", "origin", "main", cwd=self.path)
        return self.head()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.path).strip()

    def log(self) -> list[str]:
        return git("log", "--format=%an|%s", cwd=self.path).splitlines()


@pytest.fixture
def clone(remote: Path, tmp_path: Path) -> Any:
    """Return a function that clones the remote (once it has a branch)."""
    count = 0

    def make() -> Clone:
        nonlocal count
        count += 1
        return Clone(remote, tmp_path / f"clone-{count}")

    return make


def remote_head(remote: Path) -> str | None:
    try:
        return git("rev-parse", "main", cwd=remote).strip()
    except subprocess.CalledProcessError:
        return None


def run_jobs(name_prefix: str = "gitsync.") -> list[Job]:
    """Run every queued job whose name starts with the prefix, as a worker would (once each)."""
    ran = []
    for job in Job.objects.filter(status=JobStatus.QUEUED, name__startswith=name_prefix).order_by(
        "created_at"
    ):
        # A TransientJobError puts it back in the queue, as when a Celery autoretry is scheduled.
        with contextlib.suppress(TransientJobError):
            job_run(job_id=str(job.pk))
        ran.append(Job.objects.get(pk=job.pk))
    return ran


def publish(incident: Incident, owner: Any, approver: Any) -> Postmortem:
    """Take the incident's postmortem from nothing to published."""
    postmortem_generate(incident_id=incident.pk)
    postmortem = postmortem_ensure(incident=incident)
    section_update(postmortem=postmortem, key="impact", actor=owner, body="Half of all orders failed.")
    postmortem = postmortem_submit(postmortem=postmortem, actor=owner, reviewers=[approver.username])
    postmortem = postmortem_approve(postmortem=postmortem, actor=approver)
    return postmortem_publish(postmortem=postmortem, actor=owner)


@pytest.fixture
def published(git_settings: Any, record: Incident, owner: Any, reviewer: Any) -> Postmortem:  # noqa: F811
    """The record's postmortem, published and committed to the remote by the push job."""
    postmortem = publish(record, owner, reviewer)
    assert [job.status for job in run_jobs()] == ["succeeded"]
    return Postmortem.objects.get(pk=postmortem.pk)


class HttpRemote:
    """The remote served over smart HTTP behind basic auth (a Git host standing in for GitHub)."""

    def __init__(self, remote: Path, username: str, password: str) -> None:
        import base64
        import threading
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        from dulwich.repo import Repo
        from dulwich.server import DictBackend
        from dulwich.web import make_wsgi_chain

        self.repo = Repo(str(remote))
        git_app = make_wsgi_chain(DictBackend({"/postmortems.git": self.repo}))
        expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.requests = 0

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            self.requests += 1
            if environ.get("HTTP_AUTHORIZATION") != expected:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
                return [b""]
            return git_app(environ, start_response)

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        self.server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}/postmortems.git"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.repo.close()


@pytest.fixture
def http_remote(remote: Path) -> Any:
    server = HttpRemote(remote, "hindsight-bot", "t0ken")
    yield server
    server.close()
