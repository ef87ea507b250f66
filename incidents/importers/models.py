"""What an import remembers: which Hindsight row came from which source record, and the people
it had to stand in for."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportedKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CAUSE = "cause", "Cause"
    ACTION = "action", "Action item"


class ImportedRecord(models.Model):
    """A Hindsight row that an import created, under the source's own id.

    Re-running an import finds its rows here and updates them instead of adding copies. Timeline
    entries carry their source id in `TimelineEvent.external_id` instead (one row each is enough).
    """

    source = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=ImportedKind.choices, default=ImportedKind.INCIDENT)
    external_id = models.CharField(max_length=255)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="imported_records"
    )
    # The cause or action item (kind says which); empty for the incident itself.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A digest of the source record as last imported: an unchanged record is skipped on re-runs.
    fingerprint = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=500, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "kind", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "external_id"], name="imported_record_unique_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id}"


class PlaceholderPerson(models.Model):
    """Someone a source names who has no account here.

    They get a stand-in user (no password, no group: they cannot sign in) so that commander,
    owner and authorship are kept; an admin merges the stand-in into the real account later
    (Admin → Imports → Placeholder people → "Merge into…").
    """

    source = models.CharField(max_length=30)
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    merged_into = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="placeholder_unique_source_id")
        ]

    def __str__(self) -> str:
        return f"{self.name or self.external_id} ({self.source})"
