"""Writes of the Git sync: commit a published postmortem, pull Git's edits back, resolve conflicts.

Publishing only enqueues `gitsync.push` (inside the publishing transaction, through the outbox);
the job talks to Git. A failing remote raises TransientJobError, so the job is retried with backoff
while the postmortem stays published. Pulls run from beat and from the webhook (`gitsync.pull`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.events import IncidentEvent, IncidentEventName
from incidents.gitsync.conf import git_target, include_private, markdown_path, record_path
from incidents.gitsync.models import (
    Conflict,
    ConflictKind,
    ConflictStatus,
    LogAction,
    LogOutcome,
    SyncLog,
    SyncState,
)
from incidents.gitsync.parsing import MalformedMarkdown, parse_sections
from incidents.gitsync.repository import GitChanged, GitFile, GitSyncError, Mirror, open_mirror
from incidents.jobs import TransientJobError, job_enqueue
from incidents.models import Incident, Job
from incidents.models.jobs import JobStatus
from incidents.postmortems.choices import PostmortemStatus
from incidents.postmortems.exports import export_incident, export_markdown
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_sections_replace, user_for_id
from incidents.services.common import actor_or_none, require_edit

PUSH_JOB = "gitsync.push"
PULL_JOB = "gitsync.pull"


def _log(
    action: str, outcome: str, *, incident: Incident | None = None, commit: str = "", message: str = ""
) -> None:
    SyncLog.objects.create(
        action=action, outcome=outcome, incident=incident, commit=commit or "", message=message[:5000]
    )


def should_commit(incident: Incident) -> bool:
    """A private incident's postmortem goes to Git only when HINDSIGHT_GIT_INCLUDE_PRIVATE says so."""
    return not incident.private or include_private()


def on_incident_event(event: IncidentEvent) -> None:
    """EVENT_HOOKS listener: a published postmortem is committed after the publishing commits."""
    if event.name != IncidentEventName.POSTMORTEM_PUBLISHED or git_target() is None:
        return
    if not should_commit(event.incident):
        return
    user = actor_or_none(event.actor)
    job_enqueue(
        name=PUSH_JOB,
        kwargs={"incident_id": event.incident.pk, "actor_id": user.pk if user else None},
        incident_id=event.incident.pk,
        actor=event.actor,
    )


@transaction.atomic
def gitsync_push_published() -> list[Job]:
    """Queue a push for every published postmortem that may go to Git (first setup, a new
    repository): each job commits only what differs."""
    if git_target() is None:
        return []
    postmortems = Postmortem.objects.filter(status=PostmortemStatus.PUBLISHED).select_related("incident")
    return [
        job_enqueue(name=PUSH_JOB, kwargs={"incident_id": p.incident_id}, incident_id=p.incident_id)
        for p in postmortems.order_by("incident_id")
        if should_commit(p.incident)
    ]


def record_json(incident: Incident) -> str:
    """The incident record as committed: the JSON export, stamped with the publication time
    instead of the export time, so an unchanged record is byte-for-byte the same file."""
    data = export_incident(incident)
    data["exported_at"] = (data.get("postmortem") or {}).get("published_at")
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _authors(mirror: Mirror, path: str, *, head: str, since: str | None) -> str:
    identity = mirror.target.identity.decode()
    names = []
    for commit in mirror.commits_touching(path, head=head, since=since):
        if commit.author != identity and commit.author not in names:
            names.append(commit.author)
    return ", ".join(names)[:500]


def _conflict_record(
    postmortem: Postmortem, *, kind: str, file: GitFile, head: str, authors: str, error: str = ""
) -> Conflict:
    """Record (or bring up to date) the postmortem's one open conflict; nothing is overwritten."""
    conflict, _ = Conflict.objects.update_or_create(
        postmortem=postmortem,
        status=ConflictStatus.OPEN,
        defaults={
            "kind": kind,
            "commit": head,
            "blob": file.blob,
            "git_authors": authors,
            "git_markdown": file.content.decode("utf-8", "replace"),
            "hindsight_markdown": export_markdown(postmortem),
            "error": error,
        },
    )
    return conflict


def gitsync_push(*, incident_id: int, actor_id: int | None = None, **_: Any) -> dict[str, Any]:
    """Commit the postmortem (Markdown) and the record (JSON) and push. Idempotent: unchanged
    files make no commit. A Git version Hindsight has not seen is never overwritten: it becomes
    a conflict."""
    target = git_target()
    incident = Incident.objects.filter(pk=incident_id).first()
    postmortem = Postmortem.objects.filter(incident_id=incident_id).select_related("incident").first()
    if target is None or incident is None or postmortem is None or not postmortem.is_published:
        reason = "not configured" if target is None else "no published postmortem"
        _log(LogAction.PUSH, LogOutcome.SKIPPED, incident=incident, message=reason)
        return {"skipped": reason}
    if not should_commit(incident):
        _log(LogAction.PUSH, LogOutcome.SKIPPED, incident=incident, message="private incident")
        return {"skipped": "private incident"}
    reference = incident.reference
    md_path = markdown_path(reference)
    markdown = export_markdown(postmortem)
    publisher = user_for_id(actor_id)
    by = (publisher.get_full_name() or publisher.get_username()) if publisher else "Hindsight"
    message = f"{reference}: postmortem published by {by}\n\n{incident.title}\n"
    state = SyncState.objects.filter(postmortem=postmortem).first()
    try:
        with open_mirror(target) as mirror:
            try:
                result = mirror.commit_and_push(
                    {md_path: markdown.encode(), record_path(reference): record_json(incident).encode()},
                    message,
                    seen={md_path: state.blob} if state is not None else None,
                )
            except GitChanged as changed:
                authors = _authors(mirror, md_path, head=changed.head, since=state.commit if state else None)
                with transaction.atomic():
                    conflict = _conflict_record(
                        postmortem,
                        kind=ConflictKind.EDITED_IN_BOTH,
                        file=changed.file,
                        head=changed.head,
                        authors=authors,
                    )
                    _log(
                        LogAction.PUSH,
                        LogOutcome.CONFLICT,
                        incident=incident,
                        commit=changed.head,
                        message=f"{md_path} changed in Git since the last sync; not overwritten",
                    )
                return {"conflict": conflict.pk}
    except GitSyncError as error:
        _log(LogAction.PUSH, LogOutcome.FAILED, incident=incident, message=str(error))
        raise TransientJobError(str(error)) from error
    with transaction.atomic():
        SyncState.objects.update_or_create(
            postmortem=postmortem,
            defaults={
                "path": md_path,
                "commit": result.head,
                "blob": result.blobs[md_path],
                "revision_number": postmortem.revision_number,
                "pushed_at": timezone.now(),
            },
        )
        outcome = LogOutcome.COMMITTED if result.commit else LogOutcome.UNCHANGED
        _log(LogAction.PUSH, outcome, incident=incident, commit=result.head, message=message.strip())
    return {"commit": result.commit, "changed": result.commit is not None}


def gitsync_pull(**_: Any) -> dict[str, Any]:
    """Fetch and turn every changed postmortem file into a revision, or a conflict for a person."""
    target = git_target()
    if target is None:
        return {"skipped": "not configured"}
    summary: dict[str, list[str]] = {"applied": [], "conflicts": [], "unchanged": []}
    try:
        with open_mirror(target) as mirror:
            head = mirror.fetch()
            if head is None:
                return {"skipped": "the branch does not exist yet"}
            states = SyncState.objects.select_related("postmortem__incident").order_by("pk")
            for state in states:
                file = mirror.read(head, state.path)
                reference = state.postmortem.incident.reference
                if file is None or file.blob == state.blob:
                    summary["unchanged"].append(reference)
                    continue
                if Conflict.objects.filter(
                    postmortem=state.postmortem, status=ConflictStatus.OPEN, blob=file.blob
                ).exists():
                    summary["conflicts"].append(reference)
                    continue
                authors = _authors(mirror, state.path, head=head, since=state.commit)
                outcome = _pull_one(state, file=file, head=head, authors=authors)
                summary["applied" if outcome == LogOutcome.APPLIED else "conflicts"].append(reference)
    except GitSyncError as error:
        _log(LogAction.PULL, LogOutcome.FAILED, message=str(error))
        raise TransientJobError(str(error)) from error
    return {"head": head, **summary}


def _git_note(head: str, authors: str) -> str:
    return f"from Git commit {head[:10]}" + (f" by {authors}" if authors else "")


@transaction.atomic
def _pull_one(state: SyncState, *, file: GitFile, head: str, authors: str) -> str:
    postmortem = Postmortem.objects.select_for_update().select_related("incident").get(pk=state.postmortem_id)
    state = SyncState.objects.select_for_update().get(pk=state.pk)
    incident = postmortem.incident
    if postmortem.revision_number != state.revision_number:
        conflict = _conflict_record(
            postmortem, kind=ConflictKind.EDITED_IN_BOTH, file=file, head=head, authors=authors
        )
        _log(
            LogAction.PULL,
            LogOutcome.CONFLICT,
            incident=incident,
            commit=head,
            message=f"Edited in Hindsight and in Git ({_git_note(head, authors)}); conflict {conflict.pk}",
        )
        return LogOutcome.CONFLICT
    titles = dict(postmortem.sections.values_list("key", "title"))
    try:
        bodies = parse_sections(file.content.decode("utf-8"), titles)
    except (MalformedMarkdown, UnicodeDecodeError) as error:
        _conflict_record(
            postmortem, kind=ConflictKind.MALFORMED, file=file, head=head, authors=authors, error=str(error)
        )
        _log(
            LogAction.PULL, LogOutcome.CONFLICT, incident=incident, commit=head, message=f"Malformed: {error}"
        )
        return LogOutcome.CONFLICT
    revision = postmortem_sections_replace(
        postmortem=postmortem, bodies=bodies, reason=_git_note(head, authors)
    )
    postmortem.refresh_from_db(fields=["revision_number"])
    state.commit, state.blob = head, file.blob
    state.revision_number = postmortem.revision_number
    state.pulled_at = timezone.now()
    state.save()
    _log(
        LogAction.PULL,
        LogOutcome.APPLIED,
        incident=incident,
        commit=head,
        message=f"revision {revision.number}" if revision else "no section changed",
    )
    return LogOutcome.APPLIED


def gitsync_pull_request(*, actor: Any = None) -> Job:
    """Queue a pull (the webhook); a pull already waiting in the queue is reused."""
    waiting = Job.objects.filter(name=PULL_JOB, status=JobStatus.QUEUED).order_by("created_at").first()
    if waiting is not None:
        return waiting
    return job_enqueue(name=PULL_JOB, actor=actor)


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, actor: Any, choice: str) -> Conflict:
    """Settle a conflict: `git` applies Git's text as a revision; `hindsight` keeps Hindsight's
    and commits it over Git's (the push job)."""
    require_edit(actor, conflict.postmortem.incident)
    conflict = Conflict.objects.select_for_update().select_related("postmortem__incident").get(pk=conflict.pk)
    if not conflict.is_open:
        raise ValidationError({"conflict": "This conflict is already resolved."})
    if choice not in ("git", "hindsight"):
        raise ValidationError({"choice": "Choose `git` or `hindsight`."})
    postmortem = conflict.postmortem
    incident = postmortem.incident
    if choice == "git":
        if conflict.kind == ConflictKind.MALFORMED:
            raise ValidationError({"choice": f"Git's version cannot be read: {conflict.error}"})
        titles = dict(postmortem.sections.values_list("key", "title"))
        try:
            bodies = parse_sections(conflict.git_markdown, titles)
        except MalformedMarkdown as error:
            raise ValidationError({"choice": f"Git's version cannot be read: {error}"}) from error
        postmortem_sections_replace(
            postmortem=postmortem,
            bodies=bodies,
            actor=actor,
            reason=f"took Git's version ({_git_note(conflict.commit, conflict.git_authors)})"[:300],
        )
        postmortem.refresh_from_db(fields=["revision_number"])
        conflict.status = ConflictStatus.TOOK_GIT
    else:
        conflict.status = ConflictStatus.KEPT_HINDSIGHT
        user = actor_or_none(actor)
        job_enqueue(
            name=PUSH_JOB,
            kwargs={"incident_id": incident.pk, "actor_id": user.pk if user else None},
            incident_id=incident.pk,
            actor=actor,
        )
    # Git's version is now seen: the next push writes over it, the next pull leaves it be.
    SyncState.objects.filter(postmortem=postmortem).update(
        commit=conflict.commit, blob=conflict.blob, revision_number=postmortem.revision_number
    )
    conflict.resolved_by = actor_or_none(actor)
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolved_by", "resolved_at"])
    _log(
        LogAction.RESOLVE,
        LogOutcome.APPLIED if choice == "git" else LogOutcome.KEPT,
        incident=incident,
        commit=conflict.commit,
        message=conflict.get_status_display(),
    )
    return conflict
