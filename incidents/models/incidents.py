from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.choices import ACTIVE_STATUSES, Severity, Status
from incidents.permissions import is_admin
from timeline.actors import Actor
from timeline.models import TimelineEvent


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

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The counter that numbers incidents (INC-<n>).
REFERENCE_COUNTER = "incident"


class Counter(models.Model):
    """A named number kept under a row lock: the gapless reference sequence."""

    name = models.CharField(max_length=50, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to(self, user: Actor) -> IncidentQuerySet:
        """Return the incidents this user may see: Hindsight's one privacy rule.

        Everyone signed in (and active) sees public incidents; a private incident is seen by its
        commander, its reporter, the people added to it, anyone who wrote in its timeline (deleted
        entries count: writing makes you a participant for good) and admins. Every selector, view,
        feed, export, count and search scopes through this method or its equivalents on the
        models inside an incident (`visible_to` on entries, causes, actions, updates, …).
        """
        if not user or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_admin(user):
            return self
        added = Exists(
            Incident.participants.through.objects.filter(incident_id=OuterRef("pk"), user_id=user.pk)
        )
        wrote_in = Exists(TimelineEvent.all_objects.filter(incident=OuterRef("pk"), author_id=user.pk))
        return self.filter(
            Q(private=False) | Q(commander_id=user.pk) | Q(reporter_id=user.pk) | added | wrote_in
        )

    def public(self) -> IncidentQuerySet:
        """Return the incidents anyone may know of, signed in or not (the public status page)."""
        return self.filter(private=False)

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
    # Moves on with every write to what is inside the incident (timeline entries, causes, action
    # items, status updates: incidents/signals.py): the ETag of its timeline, so clients that poll
    # get 304 Not Modified until something changed.
    record_version = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        m2m_fields=[services],
        excluded_fields=["version", "record_version", "updated_at"],
    )

    objects = IncidentQuerySet.as_manager()

    # Not a column: selectors.incident_get sets it on an incident it read through the privacy
    # rule for this user, so permissions.can_view_incident need not ask the database again.
    visible_to_user_id: int | None

    class Meta:
        ordering = ["-started_at", "-number"]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["-started_at", "-number"]),
            models.Index(fields=["private"]),
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


class IncidentScopedQuerySet(models.QuerySet[Any]):
    """The queryset of a model that lives inside one incident (a cause, an action item, …)."""

    def visible_to(self, user: Actor) -> IncidentScopedQuerySet:
        """Return the rows of incidents this user may see (`IncidentQuerySet.visible_to`)."""
        return self.filter(incident__in=Incident.objects.visible_to(user).values("pk"))
