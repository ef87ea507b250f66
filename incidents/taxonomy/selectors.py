"""Reads of incident types and of incidents' classifications (scoped by the privacy rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from incidents.models import Incident
from incidents.taxonomy.models import (
    CustomField,
    FieldKind,
    IncidentClassification,
    IncidentType,
    TemplateSection,
)


def incident_type_list(*, active_only: bool = False) -> QuerySet[IncidentType]:
    """Return the types with their fields and template sections, in order."""
    types = IncidentType.objects.prefetch_related(
        Prefetch("fields", queryset=CustomField.objects.order_by("position", "id")),
        Prefetch("sections", queryset=TemplateSection.objects.order_by("position", "id")),
    ).order_by("position", "name")
    return types.filter(active=True) if active_only else types


def incident_type_get(*, slug: str) -> IncidentType | None:
    return incident_type_list().filter(slug=slug).first()


def type_choices(*, current: IncidentType | None = None) -> list[IncidentType]:
    """The types offered on a form: the active ones, and the incident's own even if retired."""
    types = list(IncidentType.objects.filter(active=True).order_by("position", "name"))
    if current is not None and current not in types:
        types.append(current)
    return types


def classification_of(incident: Incident) -> IncidentClassification | None:
    """Return the incident's type and values (callers found the incident through the privacy rule)."""
    return (
        IncidentClassification.objects.filter(incident_id=incident.pk).select_related("incident_type").first()
    )


def classification_for(*, user: Any, incident: Incident) -> IncidentClassification | None:
    """Return the incident's classification if `user` may see the incident."""
    return (
        IncidentClassification.objects.visible_to(user)
        .filter(incident_id=incident.pk)
        .select_related("incident_type")
        .first()
    )


def fields_of(incident_type: IncidentType | None) -> list[CustomField]:
    if incident_type is None:
        return []
    return list(CustomField.objects.filter(incident_type=incident_type).order_by("position", "id"))


def _user_names(ids: list[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=ids)
    return {user.pk: user.get_username() for user in users}


def api_values(fields: list[CustomField], values: dict[str, Any]) -> dict[str, Any]:
    """Return {key: value} for every field of the type, as the API and exports show them (users by
    username, null when unset)."""
    user_ids = [
        values[f.key] for f in fields if f.kind == FieldKind.USER and isinstance(values.get(f.key), int)
    ]
    names = _user_names(user_ids) if user_ids else {}
    shown: dict[str, Any] = {}
    for field in fields:
        value = values.get(field.key)
        if field.kind == FieldKind.USER and value is not None:
            value = names.get(value)
        shown[field.key] = value
    return shown


@dataclass(frozen=True)
class ShownValue:
    label: str
    kind: str
    value: Any  # None when unset; a user for `user` fields


def shown_values(classification: IncidentClassification) -> list[ShownValue]:
    """The incident page's list: each field's label and value (users as user objects)."""
    fields = fields_of(classification.incident_type)
    values = classification.values or {}
    user_ids = [
        values[f.key] for f in fields if f.kind == FieldKind.USER and isinstance(values.get(f.key), int)
    ]
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    rows = []
    for field in fields:
        value = values.get(field.key)
        if field.kind == FieldKind.USER and value is not None:
            value = users.get(value)
        rows.append(ShownValue(label=field.label, kind=field.kind, value=value))
    return rows


def postmortem_template(incident: Incident) -> list[Any] | None:
    """The incident's type's postmortem template (incidents.postmortems.hooks), or None."""
    from incidents.postmortems.hooks import TemplateSection as Section

    classification = classification_of(incident)
    if classification is None:
        return None
    rows = TemplateSection.objects.filter(incident_type_id=classification.incident_type_id).order_by(
        "position", "id"
    )
    sections = [Section(key=r.key, title=r.title, prompt=r.prompt, required=r.required) for r in rows]
    return sections or None


def default_template() -> list[dict[str, Any]]:
    """The default postmortem template's sections (to start a type's from), if postmortems is here."""
    from django.apps import apps

    if not apps.is_installed("incidents.postmortems"):
        return []
    from incidents.postmortems.choices import REQUIRED_SECTIONS
    from incidents.postmortems.models import SectionTemplate

    return [
        {"key": row.key, "title": row.title, "prompt": row.prompt, "required": row.key in REQUIRED_SECTIONS}
        for row in SectionTemplate.objects.filter(enabled=True).order_by("position", "id")
    ]
