"""The incident's `type` and `custom_fields`, plugged into the core (incidents/extensions.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from incidents.api.fields import StrictCharField
from incidents.models import Incident
from incidents.taxonomy import services
from incidents.taxonomy.forms import IncidentTypeForm
from incidents.taxonomy.models import FieldKind
from incidents.taxonomy.selectors import api_values, classification_of, fields_of, shown_values


class TypeExtension:
    keys: tuple[str, ...] = ("type", "custom_fields")

    def api_input_fields(self) -> dict[str, serializers.Field]:
        return {
            "type": StrictCharField(
                required=False,
                allow_null=True,
                allow_blank=True,
                max_length=50,
                help_text="The incident type's slug (GET /api/v1/incident-types/), or null for none.",
            ),
            "custom_fields": serializers.DictField(
                child=serializers.JSONField(allow_null=True),
                required=False,
                allow_null=True,
                help_text='The type\'s custom fields by key: {"customer_count": 40, "region": "eu"}. '
                "Users by username, dates as YYYY-MM-DD, null clears one.",
            ),
        }

    def api_output_fields(self) -> dict[str, serializers.Field]:
        return {
            "type": serializers.CharField(allow_null=True, read_only=True, help_text="Type slug, or null."),
            "custom_fields": serializers.DictField(
                read_only=True,
                help_text="Every field of the type by key (null when unset); {} without a type.",
            ),
        }

    def clean(self, *, incident: Incident | None, data: Mapping[str, Any], actor: Any) -> Any:
        return services.classification_clean(incident=incident, data=data, actor=actor)

    def save(self, *, incident: Incident, cleaned: Any, actor: Any) -> None:
        services.classification_save(incident=incident, cleaned=cleaned, actor=actor)

    def represent(self, *, incident: Incident) -> dict[str, Any]:
        classification = classification_of(incident)
        if classification is None:
            return {"type": None, "custom_fields": {}}
        fields = fields_of(classification.incident_type)
        return {
            "type": classification.incident_type.slug,
            "custom_fields": api_values(fields, classification.values or {}),
        }

    def describe(self, *, incident: Incident) -> list[tuple[str, str]]:
        classification = classification_of(incident)
        if classification is None:
            return []
        rows = [("Type", classification.incident_type.name)]
        for shown in shown_values(classification):
            if shown.value is None or shown.value == "":
                continue
            if shown.kind == FieldKind.USER:
                text = shown.value.get_full_name().strip() or shown.value.get_username()
            else:
                text = str(shown.value)
            rows.append((shown.label, text))
        return rows

    def form(self, *, data: Mapping[str, Any] | None, incident: Incident | None) -> IncidentTypeForm:
        return IncidentTypeForm(data, incident=incident)


TYPE_EXTENSION = TypeExtension()
