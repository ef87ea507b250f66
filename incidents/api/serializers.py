"""Shapes of the incident record in JSON. Serializers parse and shape; services decide."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.api.base import InputSerializer
from incidents.api.fields import (
    ApiDateField,
    ApiDateTimeField,
    ClockTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    utc_iso,
)
from incidents.choices import (
    ActionKind,
    ActionPriority,
    ActionStatus,
    Audience,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.extensions import INCIDENT_EXTENSIONS, extensions_represent
from incidents.models import Cause, Incident, Job, Profile, RemediationAction, StatusUpdate
from incidents.models.jobs import JobStatus
from incidents.permissions import can_view_incident
from incidents.selectors import incident_roles
from timeline.actors import Actor

# People are read by username; null when nobody (a webhook's incident has no reporter).
NULLABLE_USERNAME = serializers.CharField(allow_null=True, help_text="A username, or null.")


def username_of(user: Actor) -> str | None:
    return user.get_username() if user is not None else None


# ---------------------------------------------------------------- incidents


class IncidentSerializer(serializers.ModelSerializer):
    """An incident as clients read it: people by username, services by name, durations in seconds."""

    services = serializers.SerializerMethodField()
    commander = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    started_at = ApiDateTimeField()
    detected_at = ApiDateTimeField()
    acknowledged_at = ApiDateTimeField(allow_null=True)
    mitigated_at = ApiDateTimeField(allow_null=True)
    resolved_at = ApiDateTimeField(allow_null=True)
    time_to_detect = serializers.IntegerField(allow_null=True, help_text="Seconds from started_at.")
    time_to_acknowledge = serializers.IntegerField(allow_null=True, help_text="Seconds from started_at.")
    time_to_mitigate = serializers.IntegerField(allow_null=True, help_text="Seconds from started_at.")
    time_to_resolve = serializers.IntegerField(allow_null=True, help_text="Seconds from started_at.")
    duplicate_of = serializers.SerializerMethodField()
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "impact",
            "severity",
            "status",
            "services",
            "commander",
            "reporter",
            "private",
            "tags",
            "started_at",
            "detected_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "time_to_detect",
            "time_to_acknowledge",
            "time_to_mitigate",
            "time_to_resolve",
            "duplicate_of",
            "false_alarm",
            "version",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def to_representation(self, incident: Incident) -> dict[str, Any]:
        # The same output as the declared fields (tests/api/test_representations.py compares the
        # two), built directly: field by field, DRF spent about 0.25 ms per incident, most of a
        # list page's time.
        return {
            "id": incident.pk,
            "reference": incident.reference,
            "title": incident.title,
            "summary": incident.summary,
            "impact": incident.impact,
            "severity": incident.severity,
            "status": incident.status,
            "services": self.get_services(incident),
            "commander": self.get_commander(incident),
            "reporter": self.get_reporter(incident),
            "private": incident.private,
            "tags": [str(tag) for tag in incident.tags],
            "started_at": utc_iso(incident.started_at),
            "detected_at": utc_iso(incident.detected_at),
            "acknowledged_at": utc_iso(incident.acknowledged_at),
            "mitigated_at": utc_iso(incident.mitigated_at),
            "resolved_at": utc_iso(incident.resolved_at),
            "time_to_detect": incident.time_to_detect,
            "time_to_acknowledge": incident.time_to_acknowledge,
            "time_to_mitigate": incident.time_to_mitigate,
            "time_to_resolve": incident.time_to_resolve,
            "duplicate_of": self.get_duplicate_of(incident),
            "false_alarm": incident.false_alarm,
            "version": incident.version,
            "created_at": utc_iso(incident.created_at),
            "updated_at": utc_iso(incident.updated_at),
            "url": self.get_url(incident),
        }

    def get_services(self, incident: Incident) -> list[str]:
        return [service.name for service in incident.services.all()]

    @extend_schema_field(NULLABLE_USERNAME)
    def get_commander(self, incident: Incident) -> str | None:
        return username_of(incident.commander)

    @extend_schema_field(NULLABLE_USERNAME)
    def get_reporter(self, incident: Incident) -> str | None:
        return username_of(incident.reporter)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Reference of the original."))
    def get_duplicate_of(self, incident: Incident) -> str | None:
        original = incident.duplicate_of if incident.duplicate_of_id else None
        if original is None:
            return None
        # A private original stays unnamed to those who cannot see it.
        request = self.context.get("request")
        if request is not None and not can_view_incident(request.user, original):
            return None
        return original.reference

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, incident: Incident) -> str:
        # Reversed once per serializer (a list's child serves every row), not once per incident:
        # `reverse` and `build_absolute_uri` were a tenth of a list page's time.
        parts = getattr(self, "_url_parts", None)
        if parts is None:
            path = reverse("api:incident-detail", args=[_REFERENCE_SLOT])
            request = self.context.get("request")
            url = request.build_absolute_uri(path) if request is not None else path
            head, _, tail = url.rpartition(_REFERENCE_SLOT)
            parts = self._url_parts = (head, tail)
        return f"{parts[0]}{incident.reference}{parts[1]}"


_REFERENCE_SLOT = "INC-0"  # stands for the reference in the reversed URL


class IncidentDetailSerializer(IncidentSerializer):
    """One incident: everything a list row has, and who holds its other roles.

    `commander` stays its own field (the contract); `roles` has one key per role kind an admin
    offers (`communications_lead`, `scribe`, …), each a username or null.
    """

    roles = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "roles"]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        # Keys other apps add (incidents/extensions.py), e.g. `type` and `custom_fields`: declared
        # here for the schema, written by `to_representation`.
        fields = super().get_fields()
        for extension in INCIDENT_EXTENSIONS:
            fields.update(extension.api_output_fields())
        return fields

    def to_representation(self, incident: Incident) -> dict[str, Any]:
        data = super().to_representation(incident)
        data["roles"] = self.get_roles(incident)
        data.update(extensions_represent(incident))
        return data

    @extend_schema_field(
        serializers.DictField(
            child=serializers.CharField(allow_null=True),
            help_text='Role kind → username, or null: {"communications_lead": "maya", "scribe": null}.',
        )
    )
    def get_roles(self, incident: Incident) -> dict[str, str | None]:
        return {
            slot.key: username_of(slot.holder)
            for slot in incident_roles(incident=incident)
            if slot.key != "commander"
        }


class IncidentWriteSerializer(InputSerializer):
    """Fields a client may set when declaring or editing an incident."""

    title = StrictCharField(max_length=200)
    summary = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    impact = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    severity = serializers.ChoiceField(choices=Severity.choices)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    services = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=50, help_text="Service names."
    )
    commander = StrictCharField(required=False, allow_null=True, allow_blank=True, help_text="A username.")
    private = StrictBooleanField(required=False)
    tags = serializers.ListField(child=StrictCharField(max_length=50, allow_blank=True), required=False)
    started_at = ApiDateTimeField(required=False)
    detected_at = ApiDateTimeField(required=False)
    acknowledged_at = ApiDateTimeField(required=False, allow_null=True)
    mitigated_at = ApiDateTimeField(required=False, allow_null=True)
    resolved_at = ApiDateTimeField(required=False, allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        # Input other apps add (incidents/extensions.py); the services check it.
        fields = super().get_fields()
        for extension in INCIDENT_EXTENSIONS:
            fields.update(extension.api_input_fields())
        return fields


class IncidentUpdateSerializer(IncidentWriteSerializer):
    """A partial edit. `version` (or the If-Match header) guards against overwriting newer edits."""

    started_at = ApiDateTimeField(required=False)
    detected_at = ApiDateTimeField(required=False)
    duplicate_of = StrictCharField(
        required=False, allow_null=True, allow_blank=True, help_text="Reference of the original, or null."
    )
    false_alarm = StrictBooleanField(required=False)
    roles = serializers.DictField(
        child=StrictCharField(allow_null=True, allow_blank=True),
        required=False,
        help_text='Roles to change besides the commander: {"scribe": "maya", "communications_lead": null}.',
    )
    version = StrictIntegerField(required=False, help_text="The version you read; stale → 409.")


# ---------------------------------------------------------------- causes


class CauseSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.reference", help_text="Incident reference.")
    evidence = serializers.SerializerMethodField()
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()
    status_changed_at = ApiDateTimeField(allow_null=True)

    class Meta:
        model = Cause
        fields = [
            "id",
            "incident",
            "category",
            "role",
            "status",
            "description",
            "evidence",
            "status_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_evidence(self, cause: Cause) -> list[int]:
        return sorted(event.pk for event in cause.evidence.all())


class CauseWriteSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=CauseCategory.choices)
    role = serializers.ChoiceField(choices=CauseRole.choices, required=False)
    status = serializers.ChoiceField(choices=CauseStatus.choices, required=False)
    description = StrictCharField(trim_whitespace=False)
    evidence = serializers.ListField(
        child=StrictIntegerField(), required=False, max_length=500, help_text="Timeline event ids."
    )
    status_changed_at = ApiDateTimeField(
        required=False,
        help_text="When the status took effect (suspected, confirmed, ruled out); defaults to now. "
        "Only with a new status; a future time is refused.",
    )


# ---------------------------------------------------------------- action items


class ActionSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.reference", help_text="Incident reference.")
    owner = serializers.SerializerMethodField()
    due_date = ApiDateField()
    ticket_url = serializers.CharField(help_text="A link to the ticket, or empty.")
    causes = serializers.SerializerMethodField()
    completed_at = ApiDateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    created_at = ApiDateTimeField()
    updated_at = ApiDateTimeField()

    class Meta:
        model = RemediationAction
        fields = [
            "id",
            "incident",
            "title",
            "description",
            "kind",
            "priority",
            "owner",
            "due_date",
            "status",
            "ticket_url",
            "causes",
            "completed_at",
            "completion_note",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_USERNAME)
    def get_owner(self, action: RemediationAction) -> str | None:
        return username_of(action.owner)

    def get_causes(self, action: RemediationAction) -> list[int]:
        return sorted(cause.pk for cause in action.causes.all())


class ActionWriteSerializer(InputSerializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    kind = serializers.ChoiceField(choices=ActionKind.choices, required=False)
    priority = serializers.ChoiceField(choices=ActionPriority.choices, required=False)
    owner = StrictCharField(required=False, allow_null=True, allow_blank=True, help_text="A username.")
    due_date = ApiDateField(
        required=False, allow_null=True, help_text="Default by priority: P1 2 weeks, P2 4, P3 8."
    )
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    ticket_url = StrictCharField(required=False, allow_blank=True, max_length=500)
    causes = serializers.ListField(
        child=StrictIntegerField(), required=False, max_length=100, help_text="Cause ids."
    )
    completion_note = StrictCharField(
        required=False, allow_blank=True, help_text="Required for done (evidence) and wont_do (reason)."
    )


# ---------------------------------------------------------------- status updates


class StatusUpdateSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.reference", help_text="Incident reference.")
    author = serializers.SerializerMethodField()
    posted_at = ApiDateTimeField()

    class Meta:
        model = StatusUpdate
        fields = ["id", "incident", "audience", "status", "message", "author", "posted_at"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_USERNAME)
    def get_author(self, update: StatusUpdate) -> str | None:
        return username_of(update.author)


class StatusUpdateWriteSerializer(InputSerializer):
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Defaults to the incident's status."
    )
    message = StrictCharField(max_length=20_000)
    posted_at = ApiDateTimeField(
        required=False,
        help_text="When it went out; defaults to now. Give a past time for a record written up after "
        "the fact (its timeline entry happens then too). A future time is refused.",
    )


# ---------------------------------------------------------------- me


class ProfileSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    quiet_hours_start = ClockTimeField(allow_null=True)
    quiet_hours_end = ClockTimeField(allow_null=True)

    class Meta:
        model = Profile
        fields = ["username", "timezone", "quiet_hours_start", "quiet_hours_end", "quiet_weekends"]
        read_only_fields = fields


class ProfileWriteSerializer(InputSerializer):
    timezone = StrictCharField(required=False, max_length=64, help_text="An IANA name, e.g. Europe/Paris.")
    quiet_hours_start = ClockTimeField(required=False, allow_null=True)
    quiet_hours_end = ClockTimeField(required=False, allow_null=True)
    quiet_weekends = StrictBooleanField(required=False)


# ---------------------------------------------------------------- jobs


class JobSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=JobStatus.choices)
    created_at = ApiDateTimeField()
    started_at = ApiDateTimeField(allow_null=True)
    finished_at = ApiDateTimeField(allow_null=True)

    class Meta:
        model = Job
        fields = ["id", "name", "status", "error", "created_at", "started_at", "finished_at"]
        read_only_fields = fields
