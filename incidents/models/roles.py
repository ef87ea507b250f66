"""Incident roles besides the commander: communications lead, scribe, and whatever an admin adds.

The commander stays a field of the incident (`Incident.commander`, the API's `commander`): the
product's contract names it, and every rule about who leads an incident reads it. The other roles
are kinds an admin manages (`IncidentRoleKind`) and one holder per kind per incident (`IncidentRole`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

# The kinds every install starts with (migration 0011 writes them; admins change them later).
DEFAULT_ROLE_KINDS = [
    (
        "communications_lead",
        "Communications lead",
        "Writes the status updates and talks to stakeholders.",
        10,
    ),
    ("scribe", "Scribe", "Keeps the timeline while the others work.", 20),
]

# The commander is not a kind: its key is taken by `Incident.commander`.
RESERVED_ROLE_KEYS = frozenset({"commander", "reporter"})


class IncidentRoleKindQuerySet(models.QuerySet["IncidentRoleKind"]):
    def active(self) -> IncidentRoleKindQuerySet:
        return self.filter(active=True)


class IncidentRoleKind(models.Model):
    """A role people hold in an incident (communications lead, scribe, …), managed in the admin."""

    key = models.SlugField(
        max_length=50,
        unique=True,
        help_text="How the API names the role (in an incident's `roles`), e.g. communications_lead.",
    )
    name = models.CharField(max_length=100, help_text="How people see the role, e.g. Communications lead.")
    description = models.CharField(max_length=300, blank=True, help_text="What the role does.")
    order = models.PositiveSmallIntegerField(default=100, help_text="Position in the incident header.")
    active = models.BooleanField(
        default=True, help_text="Inactive roles are no longer offered; incidents keep their holders."
    )

    objects = IncidentRoleKindQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.key in RESERVED_ROLE_KEYS:
            raise ValidationError({"key": f"{self.key!r} is an incident field, not a role kind."})


class IncidentRole(models.Model):
    """Who holds one role in one incident."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="roles")
    kind = models.ForeignKey(IncidentRoleKind, on_delete=models.PROTECT, related_name="holders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind__order", "kind__name"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind"], name="one_holder_per_role")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.incident_id}: {self.user}"
