"""Reads of the Git sync: what the postmortem page's card shows (the page already checked access)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from incidents.gitsync.conf import git_target, include_private, markdown_path
from incidents.gitsync.models import Conflict, ConflictStatus, SyncLog, SyncState
from incidents.gitsync.repository import redact
from incidents.permissions import can_edit_incident
from incidents.postmortems.models import Postmortem


@dataclass
class SyncPanel:
    configured: bool
    repository: str = ""
    path: str = ""
    excluded_private: bool = False
    state: SyncState | None = None
    conflict: Conflict | None = None
    diff: list[tuple[str, str]] = field(default_factory=list)  # (css class, line)
    last: SyncLog | None = None
    can_resolve: bool = False


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "Hindsight", "Git", lineterm="", n=2)
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    # The first two lines name the sides ("--- Hindsight", "+++ Git"): headings, not changes.
    return [
        ("hunk" if number < 2 else kinds.get(line[:1], "same"), line) for number, line in enumerate(lines)
    ]


def sync_panel(*, postmortem: Postmortem, user: Any) -> SyncPanel:
    """The postmortem's sync status, its last log line and (for editors) its open conflict."""
    target = git_target()
    if target is None:
        return SyncPanel(configured=False)
    incident = postmortem.incident
    panel = SyncPanel(
        configured=True,
        repository=redact(target.url),
        path=markdown_path(incident.reference),
        excluded_private=incident.private and not include_private(),
        state=SyncState.objects.filter(postmortem=postmortem).first(),
        last=SyncLog.objects.filter(incident=incident).first(),
    )
    if can_edit_incident(user, incident):
        panel.conflict = Conflict.objects.filter(postmortem=postmortem, status=ConflictStatus.OPEN).first()
        panel.can_resolve = panel.conflict is not None
        if panel.conflict is not None:
            panel.diff = _diff(panel.conflict.hindsight_markdown, panel.conflict.git_markdown)
    return panel
