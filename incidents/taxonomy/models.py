"""Incident types an admin defines: their custom fields, their postmortem template, and each
incident's type and values (kept here, beside the core's Incident, so the core knows nothing of them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.models import IncidentScopedQuerySet


class FieldKind(models.TextChoices):
    TEXT = "text", "Text"
    CHOICE = "choice", "Choice"
    NUMBER = "number", "Number"
    USER = "user", "User"
    DATE = "date", "Date"


class IncidentType(models.Model):
    """A kind of incident (security, data, availability, …) with its own fields and template."""

    slug = models.SlugField(max_length=50, unique=True, help_text="Used by the API: `security`.")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    # Retired types are not offered for new incidents; incidents that have one keep it.
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=50, help_text="Lowercase letters, digits and _; the API's key.")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(default=False)
    # The options of a `choice` field, in order.
    choices = models.JSONField(default=list, blank=True)
    help = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident_type", "key"], name="taxonomy_field_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.incident_type_id}: {self.key}"


class TemplateSection(models.Model):
    """One section of a type's postmortem template (the type has none: the default template)."""

    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=False, help_text="Must say something before review.")
    prompt = models.TextField(blank=True, help_text="Shown to writers; an authored section starts with it.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident_type", "key"], name="taxonomy_section_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.incident_type_id}: {self.key}"


class IncidentClassification(models.Model):
    """An incident's type and its custom field values (no row: the incident has no type).

    `values` holds {key: value} as stored: text and choices as text, numbers as JSON numbers,
    dates as `YYYY-MM-DD`, users by id (shown by username).
    """

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="classification"
    )
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="incidents")
    values = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = IncidentScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.incident_type_id}"
