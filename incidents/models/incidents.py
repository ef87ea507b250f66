from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.choices import ACTIVE_STATUSES, Severity, Status
from timeline.history import HistoryManagerMadeOnce


class Service(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    # Listed on the status page and in everyone's service filters even before a non-private
    # incident uses it. Without it, a service is shown only to those who can see an incident on it.
    public = models.BooleanField(
        default=False,
        help_text="Show this service on the public status page even when no public incident uses it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(history_manager=HistoryManagerMadeOnce)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Counter names: the reference sequence, and how many incidents are public (kept by
# incidents/signals.py on every save and delete, so counting what a user may see never scans every
# incident: see selectors.incident_count).
REFERENCE_COUNTER = "incident"
PUBLIC_INCIDENTS_COUNTER = "public-incidents"


class Counter(models.Model):
    """A named number kept under a row lock: the gapless reference sequence, the public count."""

    name = models.CharField(max_length=50, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def active(self) -> IncidentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def countable(self) -> IncidentQuerySet:
        """Leave out duplicates and false alarms, which must not skew metrics."""
        return self.filter(duplicate_of__isnull=True, false_alarm=False)


class Incident(models.Model):
    number = models.PositiveIntegerField(unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    severity = models.CharField(max_length=4, choices=Severity.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVESTIGATING)
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    # People added explicitly; commander, reporter and authors of events are participants too.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="participating_incidents"
    )
    private = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)

    started_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    false_alarm = models.BooleanField(default=False)
    # Alertmanager's groupKey for incidents opened by the webhook: one open incident per group.
    alert_group_key = models.CharField(max_length=500, blank=True, default="", db_index=True)

    # Optimistic concurrency: a PATCH carrying a stale version is refused with 409.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        history_manager=HistoryManagerMadeOnce,
        m2m_fields=[services],
        excluded_fields=["version", "updated_at"],
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-number"]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["-started_at", "-number"]),
            models.Index(fields=["private"]),
            # Counting the private incidents a user may see reads this index alone (selectors).
            models.Index(
                fields=["commander", "reporter", "id"],
                condition=Q(private=True),
                name="incident_private_people",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(detected_at__gte=models.F("started_at")),
                name="incident_detected_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incident-detail", args=[self.reference])

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Incident:
        instance = super().from_db(db, field_names, values, **kwargs)
        # What the database holds, so a save can tell whether the incident became (or stopped
        # being) public without reading it again (incidents/signals.py).
        if "private" in field_names:
            instance._saved_private = instance.private  # type: ignore[attr-defined]
        return instance

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def _seconds_since_start(self, moment: datetime | None) -> int | None:
        if moment is None or self.started_at is None:
            return None
        return int((moment - self.started_at).total_seconds())

    @property
    def time_to_detect(self) -> int | None:
        return self._seconds_since_start(self.detected_at)

    @property
    def time_to_acknowledge(self) -> int | None:
        return self._seconds_since_start(self.acknowledged_at)

    @property
    def time_to_mitigate(self) -> int | None:
        return self._seconds_since_start(self.mitigated_at)

    @property
    def time_to_resolve(self) -> int | None:
        return self._seconds_since_start(self.resolved_at)
