"""Scheduled maintenance, announced on the public status page.

Its state follows from its times, so it never waits for a worker to move it along: announced
until `starts_at`, in progress until `ends_at` or until someone marks it complete early
(`completed_at`), completed after. Starting early or running over is a change of those times,
made through `incidents.insights.maintenance`.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class MaintenanceState(models.TextChoices):
    ANNOUNCED = "announced", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class MaintenanceQuerySet(models.QuerySet["Maintenance"]):
    def announced(self, now: datetime) -> MaintenanceQuerySet:
        return self.filter(starts_at__gt=now, ends_at__gt=now, completed_at__isnull=True)

    def in_progress(self, now: datetime) -> MaintenanceQuerySet:
        return self.filter(starts_at__lte=now, ends_at__gt=now, completed_at__isnull=True)

    def completed(self, now: datetime) -> MaintenanceQuerySet:
        return self.filter(Q(completed_at__isnull=False) | Q(ends_at__lte=now))


class Maintenance(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Shown to the public (Markdown).")
    services = models.ManyToManyField(
        "incidents.Service",
        related_name="+",
        help_text="The services the work touches; each must be one the status page lists.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[services])

    objects = MaintenanceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = "maintenance"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def state_at(self, now: datetime) -> str:
        if self.completed_at is not None or self.ends_at <= now:
            return MaintenanceState.COMPLETED
        if self.starts_at <= now:
            return MaintenanceState.IN_PROGRESS
        return MaintenanceState.ANNOUNCED

    @property
    def finished_at(self) -> datetime:
        """When the work ended: marked complete, or the end of its window."""
        return self.completed_at or self.ends_at


class FixNotHeld(models.Model):
    """A confirmed cause of `incident` matches `earlier` (a service and the cause category) after
    `earlier`'s repair/prevent items were done: the fix did not hold.

    Written once per pair by the `insights.fixes_not_held` job (`incidents/insights/repeats.py`);
    shown on both incident pages to readers who may see both.
    """

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    earlier = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    cause = models.ForeignKey("incidents.Cause", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=30)
    # The earlier incident's done repair/prevent items that were meant to stop this.
    actions = models.ManyToManyField("incidents.RemediationAction", related_name="+")
    detected_at = models.DateTimeField()

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = "fix that did not hold"
        verbose_name_plural = "fixes that did not hold"
        constraints = [models.UniqueConstraint(fields=["incident", "earlier"], name="fix_not_held_once")]
        indexes = [models.Index(fields=["earlier"], name="fix_not_held_earlier")]

    def __str__(self) -> str:
        return f"{self.incident_id} repeats {self.earlier_id}"
