"""The Git side of the sync: a bare mirror of the configured repository, driven with dulwich.

Hindsight never keeps a working tree. It fetches the branch into a bare mirror under its data
directory, builds each commit straight from blobs and trees on top of the branch's tip, and pushes
it with a compare-and-set on the remote ref: if somebody pushed in between, it fetches again and
rebuilds the commit on the new tip (only its own files change, so there is nothing to merge).

Every operation holds an exclusive file lock on the mirror, so the publish job, the beat pull and
a webhook-triggered pull never interleave on one host.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dulwich.client import GitClient, get_transport_and_path
from dulwich.object_store import commit_tree_changes, tree_lookup_path
from dulwich.objects import Blob, Commit, ObjectID, Tree
from dulwich.refs import Ref
from dulwich.repo import Repo

FILE_MODE = 0o100644
PUSH_ATTEMPTS = 3


class GitSyncError(Exception):
    """The repository could not be reached, or refused a push: worth retrying later."""


@dataclass(frozen=True)
class GitTarget:
    """Where and as whom to commit (from the HINDSIGHT settings, see incidents.gitsync.conf)."""

    url: str
    branch: str
    author_name: str
    author_email: str
    data_dir: Path
    # HTTPS credentials (a token as the password) when they are not in the URL.
    username: str = ""
    password: str = ""

    @property
    def ref(self) -> Ref:
        return Ref(f"refs/heads/{self.branch}".encode())

    @property
    def identity(self) -> bytes:
        return f"{self.author_name} <{self.author_email}>".encode()


@dataclass(frozen=True)
class GitFile:
    path: str
    blob: str  # the blob's sha
    content: bytes


@dataclass(frozen=True)
class PushResult:
    commit: str | None  # the new commit, None when nothing changed
    head: str  # the branch's tip afterwards
    blobs: dict[str, str]  # path → blob sha of each file as written


class GitChanged(Exception):  # noqa: N818 — a situation, not an error: the caller records a conflict
    """A file changed in Git since Hindsight last wrote or accepted it."""

    def __init__(self, file: GitFile, head: str) -> None:
        super().__init__(file.path)
        self.file = file
        self.head = head


@dataclass(frozen=True)
class GitCommitInfo:
    sha: str
    author: str
    message: str


class Mirror:
    """The bare mirror of one repository, opened under its lock (use `open_mirror`)."""

    def __init__(self, target: GitTarget, repo: Repo) -> None:
        self.target = target
        self.repo = repo

    def _scrub(self, text: str) -> str:
        """The text with no credential in it (it goes to the job's error and the sync log)."""
        text = text.replace(self.target.url, redact(self.target.url))
        return text.replace(self.target.password, "***") if self.target.password else text

    def _client(self) -> tuple[GitClient, str]:
        url = self.target.url
        if url.startswith(("http://", "https://")):
            if self.target.username or self.target.password:
                return get_transport_and_path(
                    url, username=self.target.username or None, password=self.target.password or None
                )
        elif not url.startswith(("/", ".", "file://")):
            # SSH: the `ssh` binary reads ~/.ssh/config; git's own variables choose another command.
            ssh_command = os.environ.get("GIT_SSH_COMMAND") or os.environ.get("GIT_SSH")
            if ssh_command:
                return get_transport_and_path(url, ssh_command=ssh_command)
        return get_transport_and_path(url)

    def fetch(self) -> str | None:
        """Fetch the branch; return its tip's sha, or None while the branch does not exist yet."""
        client, path = self._client()
        try:
            result = client.fetch(path, self.repo)
        except Exception as error:  # noqa: BLE001 — any transport failure (network, auth, a missing repo) is retried
            raise GitSyncError(self._scrub(f"Could not fetch from {self.target.url}: {error}")) from error
        head = result.refs.get(self.target.ref)
        if head is None:
            return None
        self.repo.refs[Ref(b"refs/remotes/origin/" + self.target.branch.encode())] = head
        return head.decode()

    def _commit_object(self, sha: str) -> Commit:
        commit = self.repo[ObjectID(sha.encode())]
        if not isinstance(commit, Commit):
            raise GitSyncError(f"{sha} is not a commit.")
        return commit

    def read(self, commit: str | None, path: str) -> GitFile | None:
        """Return the file at `path` in `commit`, or None when it is not there."""
        if commit is None:
            return None
        tree = self._commit_object(commit).tree
        try:
            _, sha = tree_lookup_path(self.repo.__getitem__, tree, path.encode())
        except KeyError:
            return None
        blob = self.repo[sha]
        return GitFile(path=path, blob=sha.decode(), content=blob.as_raw_string())

    def commits_touching(self, path: str, *, head: str, since: str | None) -> list[GitCommitInfo]:
        """The commits after `since` up to `head` that changed `path`, newest first."""
        exclude = [ObjectID(since.encode())] if since and ObjectID(since.encode()) in self.repo else []
        walker = self.repo.get_walker(
            include=[ObjectID(head.encode())], exclude=exclude, paths=[path.encode()]
        )
        return [
            GitCommitInfo(
                sha=entry.commit.id.decode(),
                author=entry.commit.author.decode("utf-8", "replace"),
                message=entry.commit.message.decode("utf-8", "replace").strip(),
            )
            for entry in walker
        ]

    def commit_and_push(
        self, files: dict[str, bytes], message: str, *, seen: dict[str, str] | None = None
    ) -> PushResult:
        """Write `files` on the branch's tip in one commit and push it (no commit when every file
        is already as given). Retried on the new tip if the branch moved during the push.

        `seen` maps a path to the blob Hindsight last wrote or accepted there: a different one
        (an edit in Git not seen yet) raises GitChanged instead of being overwritten."""
        blobs = {path: Blob.from_string(content) for path, content in files.items()}
        blob_ids = {path: blob.id.decode() for path, blob in blobs.items()}
        for _ in range(PUSH_ATTEMPTS):
            head = self.fetch()
            changes: list[tuple[bytes, int | None, ObjectID | None]] = []
            for path, blob in blobs.items():
                current = self.read(head, path)
                known = (seen or {}).get(path)
                if head and current and known and current.blob not in (known, blob_ids[path]):
                    raise GitChanged(current, head)
                if current is None or current.blob != blob_ids[path]:
                    self.repo.object_store.add_object(blob)
                    changes.append((path.encode(), FILE_MODE, blob.id))
            if not changes:
                return PushResult(commit=None, head=head or "", blobs=blob_ids)
            commit = self._commit(head, changes, message)
            if self._push(expected=head, new=commit):
                return PushResult(commit=commit, head=commit, blobs=blob_ids)
        raise GitSyncError(f"The branch {self.target.branch} kept moving; will try again.")

    def _commit(
        self, head: str | None, changes: list[tuple[bytes, int | None, ObjectID | None]], message: str
    ) -> str:
        store = self.repo.object_store
        if head is None:
            base = Tree()
            store.add_object(base)
            base_tree = base.id
        else:
            base_tree = self._commit_object(head).tree
        commit = Commit()
        commit.tree = commit_tree_changes(store, base_tree, changes)
        commit.parents = [ObjectID(head.encode())] if head else []
        commit.author = commit.committer = self.target.identity
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.encode()
        store.add_object(commit)
        return commit.id.decode()

    def _push(self, *, expected: str | None, new: str) -> bool:
        """Move the remote branch from `expected` to `new`; False if it had moved meanwhile."""
        client, path = self._client()
        ref = self.target.ref
        moved = False

        def update_refs(refs: dict[Ref, ObjectID]) -> dict[Ref, ObjectID]:
            nonlocal moved
            current = refs.get(ref)
            if (current.decode() if current else None) != expected:
                moved = True
                return refs
            return {**refs, ref: ObjectID(new.encode())}

        try:
            result = client.send_pack(
                path.encode() if isinstance(path, str) else path,
                update_refs,
                generate_pack_data=self.repo.object_store.generate_pack_data,
            )
        except Exception as error:  # noqa: BLE001 — any transport failure is retried
            raise GitSyncError(self._scrub(f"Could not push to {self.target.url}: {error}")) from error
        if moved:
            return False
        refused = (result.ref_status or {}).get(ref)
        if refused:
            raise GitSyncError(self._scrub(f"{self.target.url} refused the push: {refused}"))
        return True


def redact(url: str) -> str:
    """The URL without a password or token (for logs and the sync log)."""
    if "://" in url and "@" in url.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@contextmanager
def open_mirror(target: GitTarget) -> Iterator[Mirror]:
    """Open (creating it on first use) the bare mirror of `target`, holding its lock."""
    name = hashlib.sha256(target.url.encode()).hexdigest()[:16]
    path = target.data_dir / f"mirror-{name}.git"
    target.data_dir.mkdir(parents=True, exist_ok=True)
    with open(target.data_dir / f"mirror-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            repo = Repo(str(path)) if path.exists() else Repo.init_bare(str(path), mkdir=True)
            with repo:
                yield Mirror(target, repo)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
