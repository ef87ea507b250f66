"""`GET /api/v1/incident-types/`: the types with their custom fields and postmortem template."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from incidents.api.base import errors
from incidents.taxonomy.models import CustomField, IncidentType, TemplateSection
from incidents.taxonomy.selectors import incident_type_list


class CustomFieldSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(child=serializers.CharField(), help_text="Options of a choice field.")

    class Meta:
        model = CustomField
        fields = ["key", "label", "kind", "required", "choices", "help"]
        read_only_fields = fields


class TemplateSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateSection
        fields = ["key", "title", "required", "prompt"]
        read_only_fields = fields


class IncidentTypeSerializer(serializers.ModelSerializer):
    fields = CustomFieldSerializer(many=True, read_only=True)  # type: ignore[assignment]  # the model's name for them
    template = serializers.SerializerMethodField()

    class Meta:
        model = IncidentType
        fields = ["slug", "name", "description", "active", "fields", "template"]
        read_only_fields = fields

    @extend_schema(responses=TemplateSectionSerializer(many=True))
    def get_template(self, incident_type: IncidentType) -> list[dict[str, Any]] | None:
        """The type's postmortem sections in order; null: the default template (or no postmortems)."""
        if not apps.is_installed("incidents.postmortems"):
            return None
        sections = list(incident_type.sections.all())
        return list(TemplateSectionSerializer(sections, many=True).data) if sections else None


@extend_schema(
    summary="List incident types",
    description="The types admins defined (retired ones with `active: false`), each with its custom "
    "fields and its postmortem template (`null`: the default template).",
    responses={200: IncidentTypeSerializer(many=True), **errors(400, 404)},
)
class IncidentTypeListView(generics.ListAPIView):
    serializer_class = IncidentTypeSerializer

    def get_queryset(self) -> Any:
        return incident_type_list()
