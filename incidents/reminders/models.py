"""Reminders, their deliveries per channel, in-app notifications, snoozes, preferences, webhooks.

A `Reminder` is one message to one person for one rule, object and window; its `key` is unique, so
inserting it is the claim: two sweeps that find the same overdue item insert one row between them.
Each reminder is delivered on one or more channels (`Delivery`), each claimed with a
compare-and-set UPDATE before it is sent, so a delivery is attempted by one worker at a time and
never again once it is sent.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from incidents.conf import hindsight_setting


class Rule(models.TextChoices):
    ACTION_ASSIGNED = "action_assigned", "Action item assigned to you"
    ROLE_ASSIGNED = "incident_role_assigned", "Named to a role in an incident"
    ACTION_DUE_SOON = "action_due_soon", "Action item due soon"
    ACTION_OVERDUE = "action_overdue", "Action item overdue"
    ACTION_ESCALATION = "action_overdue_escalation", "Overdue action item in your incident"
    POSTMORTEM_OVERDUE = "postmortem_overdue", "Postmortem past its due date"
    POSTMORTEM_REVIEW = "postmortem_review_requested", "Postmortem review asked of you"
    INCIDENT_QUIET = "incident_quiet", "SEV1/SEV2 incident gone quiet"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    FIX_NOT_HELD = "fix_not_held", "A fix you owned or approved did not hold"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class ObjectType(models.TextChoices):
    ACTION = "action", "Action item"
    POSTMORTEM = "postmortem", "Postmortem"
    INCIDENT = "incident", "Incident"
    USER = "user", "User"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Given up"
    SKIPPED = "skipped", "Skipped"


class ContextField(models.JSONField):
    """A JSONField that PostgreSQL bulk inserts as one parameter per row.

    Django 5.2 bulk-inserts through UNNEST(jsonb[]) otherwise, and psycopg escapes every JSON
    document for the array literal in Python: that cost most of the sweep's time at 10,000 rows.
    Having a placeholder opts the model out of UNNEST (see postgresql/compiler.py).
    """

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"


class Reminder(models.Model):
    """One reminder for one recipient: (rule, object, window, recipient) is its deduplication key."""

    key = models.CharField(max_length=255, unique=True)
    rule = models.CharField(max_length=40, choices=Rule.choices)
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    window = models.CharField(max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    # What the message says, captured when the rule fired (the record may change before it is sent).
    context = ContextField(default=dict, blank=True)
    # Quiet hours and snoozes hold its email and webhooks back until this moment (never dropped);
    # its in-app notification waits only for a snooze (reminders_create).
    deliver_after = models.DateTimeField()
    # Identifies the sweep that inserted the row, so it can find exactly the rows it created.
    batch = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "rule"]),
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["batch"]),
        ]

    def __str__(self) -> str:
        return self.key


class Delivery(models.Model):
    """One reminder on one channel (and, for webhooks, one target)."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # "" for in-app and email; "global" or a Webhook id for webhooks.
    target = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel", "target"], name="reminder_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["claim_token"]),
        ]

    def __str__(self) -> str:
        return f"{self.reminder.key} via {self.channel}{':' + self.target if self.target else ''}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification: what the bell counts and the notifications page lists."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Set when the notification was written by a delivery claimed after quiet hours or a retry.
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    rule = models.CharField(max_length=40, choices=Rule.choices)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        constraints = [
            # One notification per reminder, whichever path (the sweep or a later claim) wrote it.
            models.UniqueConstraint(
                fields=["reminder"],
                condition=models.Q(reminder__isnull=False),
                name="notification_once_per_reminder",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Snooze(models.Model):
    """A recipient asked not to be reminded about an object until `until`."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-until"]
        indexes = [models.Index(fields=["recipient", "until"])]

    def __str__(self) -> str:
        return (
            f"{self.recipient} snoozed {self.object_type} {self.object_id} until {self.until:%Y-%m-%d %H:%M}"
        )


class NotificationPreference(models.Model):
    """A user's channels for one rule. In-app is always on; no row means the defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    rule = models.CharField(max_length=40, choices=Rule.choices)
    email = models.BooleanField(default=True)
    webhook = models.BooleanField(default=True)

    class Meta:
        ordering = ["user", "rule"]
        constraints = [models.UniqueConstraint(fields=["user", "rule"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.rule}"


class Webhook(models.Model):
    """An outgoing webhook (Slack-compatible JSON, HMAC-signed) for a team's services, or for all."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, blank=True, help_text="Signs each body: X-Hindsight-Signature: sha256=<hex HMAC>."
    )
    services = models.ManyToManyField(
        "incidents.Service",
        blank=True,
        related_name="+",
        help_text="Post reminders about incidents touching these services. Leave empty for every incident.",
    )
    rules = models.JSONField(
        default=list, blank=True, help_text='Rules to post (for example ["action_overdue"]); empty for all.'
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def channels_for(preference: NotificationPreference | None) -> dict[str, bool]:
    """Return the channels a user wants for one rule: their preference, or the defaults."""
    defaults: dict[str, bool] = hindsight_setting("REMINDER_DEFAULT_CHANNELS")
    if preference is None:
        return {"email": bool(defaults.get("email", True)), "webhook": bool(defaults.get("webhook", True))}
    return {"email": preference.email, "webhook": preference.webhook}
