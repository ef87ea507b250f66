from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from incidents.choices import Audience, ServiceState, Status
from incidents.models.incidents import IncidentScopedQuerySet


class StatusUpdate(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="updates")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    status = models.CharField(max_length=20, choices=Status.choices)
    message = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    # What a public update tells the public about the incident's services, fixed when it is posted
    # (the status page reads it from the incident's latest public update). Blank on internal updates.
    service_state = models.CharField(max_length=20, choices=ServiceState.choices, blank=True, default="")
    # The `communication` timeline event written with it.
    event = models.OneToOneField(
        "timeline.TimelineEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_update",
    )

    history = HistoricalRecords()

    objects = IncidentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["audience", "-posted_at"])]

    def __str__(self) -> str:
        return f"{self.audience} update on {self.incident_id}"
