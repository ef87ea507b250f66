"""What Hindsight remembers of the Git repository: per postmortem what it last wrote or saw,
the conflicts waiting for a person, and a log of every push and pull."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SyncState(models.Model):
    """The file of one postmortem in Git as Hindsight last wrote or accepted it.

    A later Git version is new to Hindsight when its blob differs from `blob`; Hindsight's own
    document changed since when the postmortem's revision number is past `revision_number`.
    """

    postmortem = models.OneToOneField(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="git_state"
    )
    path = models.CharField(max_length=300)
    commit = models.CharField(max_length=64, blank=True)
    blob = models.CharField(max_length=64, blank=True)
    revision_number = models.PositiveIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    pulled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.path} at {self.commit[:10]}"


class ConflictKind(models.TextChoices):
    EDITED_IN_BOTH = "edited_in_both", "Edited in Git and in Hindsight"
    MALFORMED = "malformed", "Git's version cannot be read"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    TOOK_GIT = "took_git", "Took Git's version"
    KEPT_HINDSIGHT = "kept_hindsight", "Kept Hindsight's version"


class Conflict(models.Model):
    """A Git version Hindsight did not apply: a person chooses Git's or Hindsight's text."""

    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="git_conflicts"
    )
    kind = models.CharField(max_length=20, choices=ConflictKind.choices)
    status = models.CharField(max_length=20, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    commit = models.CharField(max_length=64)
    blob = models.CharField(max_length=64)
    git_authors = models.CharField(max_length=500, blank=True)
    git_markdown = models.TextField()
    hindsight_markdown = models.TextField()
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem"],
                condition=models.Q(status="open"),
                name="gitsync_one_open_conflict_per_postmortem",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.postmortem_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ConflictStatus.OPEN


class LogAction(models.TextChoices):
    PUSH = "push", "Push"
    PULL = "pull", "Pull"
    RESOLVE = "resolve", "Resolve"


class LogOutcome(models.TextChoices):
    COMMITTED = "committed", "Committed"
    UNCHANGED = "unchanged", "Nothing to commit"
    APPLIED = "applied", "Applied as a revision"
    CONFLICT = "conflict", "Conflict recorded"
    KEPT = "kept", "Kept Hindsight's version"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed (will retry)"


class SyncLog(models.Model):
    """One push, pull or resolution and how it went (admins read it in the admin site)."""

    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=LogAction.choices)
    outcome = models.CharField(max_length=10, choices=LogOutcome.choices)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commit = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome} {self.created_at:%Y-%m-%d %H:%M}"
