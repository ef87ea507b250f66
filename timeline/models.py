from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from timeline.actors import Actor
from timeline.choices import EventKind, EventSource


class TimelineEventQuerySet(models.QuerySet["TimelineEvent"]):
    def chronological(self) -> TimelineEventQuerySet:
        return self.order_by("occurred_at", "recorded_at", "id")

    def key(self) -> TimelineEventQuerySet:
        return self.filter(is_key=True)

    def visible_to(self, user: Actor) -> TimelineEventQuerySet:
        """Return the events of incidents this user may see (the incident model's privacy rule).

        The incident model is reached through the foreign key, not imported: the timeline app sits
        below the incidents app.
        """
        incident_model: Any = self.model._meta.get_field("incident").related_model
        return self.filter(incident__in=incident_model.objects.visible_to(user).values("pk"))


class VisibleEventManager(models.Manager["TimelineEvent"]):
    """Events that are not soft-deleted: what every page, API and document shows."""

    def get_queryset(self) -> TimelineEventQuerySet:
        return TimelineEventQuerySet(self.model, using=self._db).filter(deleted_at__isnull=True)


class TimelineEvent(models.Model):
    # No index of its own: the indexes below all start with the incident.
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.NOTE)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="timeline_events",
        db_index=False,  # timeline_author_incident starts with the author
    )
    source = models.CharField(max_length=10, choices=EventSource.choices, default=EventSource.WEB)
    is_key = models.BooleanField(default=False)
    # Set by webhooks so that a resent notification adds nothing (unique per incident).
    external_id = models.CharField(max_length=200, blank=True, default="")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Every edit keeps the previous text here.
    history = HistoricalRecords()

    objects = VisibleEventManager.from_queryset(TimelineEventQuerySet)()
    all_objects = TimelineEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "recorded_at", "id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["incident", "occurred_at", "recorded_at"]),
            # What every timeline read wants: the live entries of one incident in order. Counting
            # them and reading one page are index scans however long the timeline grows.
            models.Index(
                fields=["incident", "occurred_at", "recorded_at", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="timeline_live_chronological",
            ),
            models.Index(fields=["incident", "is_key"]),
            # "Did this user write in that incident?" (private incidents' visibility): an index-only
            # probe, and the incidents one user wrote in without reading their entries.
            models.Index(fields=["author", "incident"], name="timeline_author_incident"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "external_id"],
                condition=~models.Q(external_id=""),
                name="timeline_event_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
