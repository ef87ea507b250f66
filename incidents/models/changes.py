from __future__ import annotations

from django.db import models
from django.utils import timezone

from incidents.models.incidents import Service


class ChangeKind(models.TextChoices):
    DEPLOY = "deploy", "Deploy"
    CONFIG = "config", "Configuration change"
    FEATURE_FLAG = "feature_flag", "Feature flag"
    INFRA = "infra", "Infrastructure change"


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
    source = models.CharField(max_length=100, blank=True)  # the name of the token that sent it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["service", "-at"], name="change_service_at")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.service_id} at {self.at:%Y-%m-%d %H:%M}"
