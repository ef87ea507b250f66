from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from incidents.choices import OPEN_ACTION_STATUSES, ActionKind, ActionPriority, ActionStatus
from incidents.models.incidents import IncidentScopedQuerySet
from timeline.softdelete import LiveManager, SoftDeletable


class RemediationActionQuerySet(IncidentScopedQuerySet):
    def open(self) -> RemediationActionQuerySet:
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def overdue(self) -> RemediationActionQuerySet:
        return self.open().filter(due_date__lt=timezone.localdate())


class RemediationAction(SoftDeletable):
    """An action item. Deleting one is a soft delete: hidden everywhere, kept for admins to restore."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=ActionKind.choices, default=ActionKind.PREVENT)
    priority = models.CharField(max_length=2, choices=ActionPriority.choices, default=ActionPriority.P2)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_actions",
    )
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    ticket_url = models.URLField(max_length=500, blank=True)
    causes = models.ManyToManyField("incidents.Cause", blank=True, related_name="actions")
    completed_at = models.DateTimeField(null=True, blank=True)
    # For `done` the evidence of completion; for `wont_do` the reason.
    completion_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[causes])

    objects = LiveManager.from_queryset(RemediationActionQuerySet)()
    all_objects = RemediationActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()
