from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from incidents.conf import hindsight_setting
from incidents.models.incidents import Service

if TYPE_CHECKING:
    from incidents.models.incidents import Incident


class ChangeKind(models.TextChoices):
    DEPLOY = "deploy", "Deploy"
    CONFIG = "config", "Configuration change"
    FEATURE_FLAG = "feature_flag", "Feature flag"
    INFRA = "infra", "Infrastructure change"


class ChangeEventQuerySet(models.QuerySet["ChangeEvent"]):
    def near(self, incident: Incident) -> ChangeEventQuerySet:
        """Changes to the incident's services from CHANGE_WINDOW_BEFORE before it started to its end
        (`resolved_at`, or now while it runs), newest first."""
        start = incident.started_at - hindsight_setting("CHANGE_WINDOW_BEFORE")
        end = incident.resolved_at or timezone.now()
        return (
            self.filter(service__in=incident.services.all().values("pk"), at__gte=start, at__lte=end)
            .select_related("service")
            .order_by("-at", "-id")
        )


class ChangeEvent(models.Model):
    """A change to a service (a deploy, a config push, a flag flip), reported by a pipeline.

    Shown beside incidents on the same service that started soon after: most outages follow a change.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    summary = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    at = models.DateTimeField(default=timezone.now)
    url = models.URLField(max_length=1000, blank=True)
    author = models.CharField(max_length=200, blank=True)  # free text: a CI job is not a Hindsight user
    # The name of the token that sent it, or the forge whose webhook did ("github", "gitlab").
    source = models.CharField(max_length=100, blank=True)
    # What the sender calls it ("deployment_status:209916254"): a forge's webhook resent with a new
    # delivery id still records the change once. Empty for changes posted by pipelines.
    external_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChangeEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["service", "-at"], name="change_service_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="change_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.service_id} at {self.at:%Y-%m-%d %H:%M}"


class ChangeHookDelivery(models.Model):
    """A deployment webhook delivery already received (GitHub's `X-GitHub-Delivery`, GitLab's
    `Idempotency-Key` or `X-Gitlab-Event-UUID`): the same id again is a replay."""

    sender = models.CharField(max_length=20)  # "github" or "gitlab"
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "delivery_id"], name="change_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} {self.delivery_id}"
