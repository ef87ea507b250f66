"""Chat broadcasts (channels, routing rules, the delivery log) and subscriptions.

A `BroadcastDelivery` is one message for one event to one chat channel; its `key` is unique, so an
event recorded twice (a retried transaction, a replayed job) posts once. Each delivery is sent by
its own outbox job. A `Subscription` is a signed-in user following an incident or a service; a
`StatusSubscriber` is an email address on the public status page. `SubscriptionDelivery` is the
log (and the exactly-once key) of what followers and status subscribers were sent.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from incidents.choices import Severity
from incidents.events import IncidentEventName

# What a new rule posts when the admin does not choose (issue #18: the chat-worthy moments).
DEFAULT_EVENTS = [
    IncidentEventName.DECLARED.value,
    IncidentEventName.SEVERITY_CHANGED.value,
    IncidentEventName.STATUS_CHANGED.value,
    IncidentEventName.RESOLVED.value,
    IncidentEventName.POSTMORTEM_PUBLISHED.value,
]


def default_events() -> list[str]:
    return list(DEFAULT_EVENTS)


class ChannelKind(models.TextChoices):
    SLACK_WEBHOOK = "slack_webhook", "Slack incoming webhook"
    SLACK_API = "slack_api", "Slack chat.postMessage (bot token)"
    MATTERMOST = "mattermost", "Mattermost incoming webhook"
    TEAMS = "teams", "Microsoft Teams workflow webhook (Adaptive Card)"


SLACK_API_URL = "https://slack.com/api/chat.postMessage"


class BroadcastChannel(models.Model):
    """A place in a chat tool that Hindsight posts to."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    url = models.URLField(
        max_length=500,
        help_text="The webhook URL (Slack, Mattermost, Teams). For chat.postMessage leave the default.",
        blank=True,
    )
    # Write-only: the admin never shows it again after saving.
    token = models.CharField(
        max_length=300, blank=True, help_text="Slack bot token (xoxb-…) for chat.postMessage."
    )
    target = models.CharField(
        max_length=100,
        blank=True,
        help_text="Slack channel ID for chat.postMessage (required); Mattermost channel override (optional).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def endpoint(self) -> str:
        return self.url or (SLACK_API_URL if self.kind == ChannelKind.SLACK_API else "")


class BroadcastRule(models.Model):
    """Which events, for which incidents, go to which channel."""

    name = models.CharField(max_length=100)
    channel = models.ForeignKey(BroadcastChannel, on_delete=models.CASCADE, related_name="rules")
    events = models.JSONField(
        default=default_events,
        help_text="Events to post: " + ", ".join(IncidentEventName.values) + ".",
    )
    services = models.ManyToManyField(
        "incidents.Service",
        blank=True,
        related_name="+",
        help_text="Only incidents touching one of these services. Leave empty for every incident.",
    )
    min_severity = models.CharField(
        max_length=4,
        choices=Severity.choices,
        default=Severity.SEV4,
        help_text="Post incidents of this severity or worse (SEV1 is the worst).",
    )
    include_private = models.BooleanField(
        default=False,
        help_text=(
            "Also post private incidents. Off by default: private incidents never leave Hindsight otherwise."
        ),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.channel}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Given up"
    SKIPPED = "skipped", "Skipped"


class BroadcastDelivery(models.Model):
    """The delivery log: one event posted (or not) to one channel."""

    key = models.CharField(max_length=255, unique=True)
    channel = models.ForeignKey(BroadcastChannel, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(
        BroadcastRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.CharField(max_length=30, choices=IncidentEventName.choices)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    # The message as it was when the event happened: retries post the same words.
    message = models.JSONField(default=dict)
    allow_private = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "broadcast deliveries"
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.channel_id}: {self.status}"


class SubscriptionChannel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"


class Subscription(models.Model):
    """A signed-in user follows one incident or one service, on one channel."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "incidents.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(
        max_length=10, choices=SubscriptionChannel.choices, default=SubscriptionChannel.IN_APP
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incident__isnull=False, service__isnull=True)
                | models.Q(incident__isnull=True, service__isnull=False),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "incident", "channel"],
                condition=models.Q(incident__isnull=False),
                name="subscription_incident_once",
            ),
            models.UniqueConstraint(
                fields=["user", "service", "channel"],
                condition=models.Q(service__isnull=False),
                name="subscription_service_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.incident or self.service} ({self.channel})"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class StatusSubscriber(models.Model):
    """An email address that receives the public status page's updates (double opt-in)."""

    email = models.EmailField(max_length=254, unique=True)
    # Names the address in unsubscribe links; a new one is made if the address signs up again.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class SubscriptionDelivery(models.Model):
    """What a follower or a status subscriber was sent: unique `key`, so each goes out once."""

    key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(max_length=10, choices=SubscriptionChannel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subscriber = models.ForeignKey(
        StatusSubscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "subscription deliveries"

    def __str__(self) -> str:
        return self.key
