from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.choices import CauseCategory, CauseRole, CauseStatus
from incidents.models.incidents import IncidentScopedQuerySet
from timeline.softdelete import LiveManager, SoftDeletable


class Cause(SoftDeletable):
    """A contributing factor: what was suspected, confirmed or ruled out, and when.

    Deleting one is a soft delete (`deleted_at`): hidden everywhere, kept for admins to restore."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=20, choices=CauseCategory.choices)
    role = models.CharField(max_length=20, choices=CauseRole.choices, default=CauseRole.CONTRIBUTING)
    status = models.CharField(max_length=20, choices=CauseStatus.choices, default=CauseStatus.SUSPECTED)
    description = models.TextField()
    evidence = models.ManyToManyField("timeline.TimelineEvent", blank=True, related_name="supports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the status last changed (suspected → confirmed, …); the history keeps every step.
    status_changed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[evidence])

    objects = LiveManager.from_queryset(IncidentScopedQuerySet)()
    all_objects = IncidentScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        base_manager_name = "all_objects"
        indexes = [models.Index(fields=["category", "status"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.category}, {self.status})"
