"""Ticket sync: tracker connections (GitHub, GitLab, Jira Cloud), links from action items to
tickets, and the webhook deliveries already heard (so a replayed delivery changes nothing).

A `TicketLink` is written `pending` in the same transaction that enqueues the job creating the
ticket. Its `marker` goes into the ticket's description, so a job that runs again after a timeout
finds the ticket it may already have created instead of opening a second one.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class TrackerKind(models.TextChoices):
    GITHUB = "github", "GitHub Issues"
    GITLAB = "gitlab", "GitLab Issues"
    JIRA = "jira", "Jira Cloud"


# What people call each tracker in notes and buttons ("Closed in GitHub owner/repo#12").
KIND_NAMES = {TrackerKind.GITHUB: "GitHub", TrackerKind.GITLAB: "GitLab", TrackerKind.JIRA: "Jira"}


class TrackerConnection(models.Model):
    """A project in an issue tracker that action items can become tickets in."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=TrackerKind.choices)
    base_url = models.URLField(
        max_length=300,
        help_text="GitHub: https://api.github.com (Enterprise: https://HOST/api/v3). GitLab: "
        "https://gitlab.com or your host. Jira Cloud: https://SITE.atlassian.net.",
    )
    project = models.CharField(
        max_length=200,
        help_text="GitHub: owner/repo. GitLab: the project path (group/project) or its numeric ID. "
        "Jira: the project key (OPS).",
    )
    labels = models.CharField(
        max_length=300, blank=True, help_text="Labels put on every new ticket, separated by commas."
    )
    issue_type = models.CharField(
        max_length=50, blank=True, default="Task", help_text="Jira only: the issue type of new tickets."
    )
    # Write-only secrets: the admin never shows them again after saving.
    token = models.CharField(max_length=500, blank=True, help_text="GitHub/GitLab token; Jira API token.")
    email = models.EmailField(
        blank=True, help_text="Jira only: the Atlassian account the API token belongs to."
    )
    webhook_secret = models.CharField(max_length=200, blank=True)
    allow_private = models.BooleanField(
        "allow private incidents",
        default=False,
        help_text="Allow tickets for action items of private incidents (their titles leave Hindsight).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(TrackerKind(self.kind), self.kind)

    @property
    def label_list(self) -> list[str]:
        return [label.strip() for label in self.labels.split(",") if label.strip()]


class LinkState(models.TextChoices):
    PENDING = "pending", "Being created"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    FAILED = "failed", "Could not be created"


def new_marker() -> str:
    return "hindsight-" + secrets.token_hex(12)


class TicketLink(models.Model):
    """An action item's ticket in a tracker (one per item)."""

    action = models.OneToOneField(
        "incidents.RemediationAction", on_delete=models.CASCADE, related_name="ticket_link"
    )
    tracker = models.ForeignKey(TrackerConnection, on_delete=models.CASCADE, related_name="links")
    state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.PENDING)
    # GitHub: the issue number; GitLab: the project-scoped iid; Jira: the issue key (OPS-12).
    number = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="The tracker's own id.")
    key = models.CharField(max_length=300, blank=True, help_text="How people name it: owner/repo#12, OPS-12.")
    url = models.URLField(max_length=500, blank=True)
    remote_status = models.CharField(max_length=100, blank=True, help_text="The tracker's own status name.")
    marker = models.CharField(max_length=40, unique=True, default=new_marker, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # When the ticket was last seen going from open to closed (None while open): the reconcile
    # rechecks closed tickets for a while after this, in case a "reopened" webhook is missed.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tracker", "number"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.key or f"{self.tracker} (pending)"


class WebhookReceipt(models.Model):
    """A webhook delivery already processed: the same delivery id again is a replay."""

    tracker = models.ForeignKey(TrackerConnection, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tracker", "delivery_id"], name="tickets_receipt_once")
        ]

    def __str__(self) -> str:
        return self.delivery_id
