"""Writes: an incident's type and custom field values, and the admin's types, fields and templates.

Values are checked against the type's field definitions before anything is saved: numbers parse,
choices are among the options, users exist and are active, dates are ISO (`2026-11-23`), required
fields are filled. Errors are keyed `type`, `custom_fields` or `custom_fields.<key>`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.models import Incident
from incidents.permissions import is_admin
from incidents.services.common import actor_or_none, set_history_user
from incidents.taxonomy.models import (
    CustomField,
    FieldKind,
    IncidentClassification,
    IncidentType,
    TemplateSection,
)

MAX_TEXT = 2000
MAX_FIELDS = 50
LARGEST = 10**15
KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
FIELDS = "custom_fields"


def _classification(incident: Incident) -> IncidentClassification | None:
    return (
        IncidentClassification.objects.filter(incident_id=incident.pk).select_related("incident_type").first()
    )


@dataclass
class Cleaned:
    """What `classification_save` writes: the type (None: no type) and the stored values."""

    incident_type: IncidentType | None
    values: dict[str, Any] = field(default_factory=dict)
    # Cleaned for an incident being declared: it has no classification yet to look up.
    declaring: bool = False


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValidationError("Enter a number.")
    if isinstance(raw, int | float):
        number = raw
    elif isinstance(raw, str) and len(raw) <= 100:
        try:
            parsed = Decimal(raw.strip().replace(",", "")) if raw.strip() else None
        except InvalidOperation:
            parsed = None
        if parsed is None or not parsed.is_finite():
            raise ValidationError("Enter a number.")
        # Before converting: int() of 1e999999999 would take the worker's memory and time.
        # (`adjusted` is the exponent of the first digit: no arithmetic, so no decimal.Overflow.)
        if parsed.adjusted() > 15:
            raise ValidationError("Enter a number up to 10^15.")
        if parsed.adjusted() < -30:
            return 0
        number = int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
    else:
        raise ValidationError("Enter a number.")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValidationError("Enter a number.")
    if abs(number) > LARGEST:
        raise ValidationError("Enter a number up to 10^15.")
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def clean_value(custom_field: CustomField, raw: Any) -> Any:
    """Return the value to store for `raw`, or None for empty; ValidationError with a message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = custom_field.kind
    if kind == FieldKind.NUMBER:
        return _number(raw)
    if not isinstance(raw, str):
        raise ValidationError("Give this value as text.")
    text = raw.strip()
    if kind == FieldKind.TEXT:
        if len(text) > MAX_TEXT or "\x00" in text:
            raise ValidationError(f"Keep it under {MAX_TEXT} characters.")
        return text
    if kind == FieldKind.CHOICE:
        if text not in custom_field.choices:
            raise ValidationError(f"Choose one of {', '.join(custom_field.choices)}.")
        return text
    if kind == FieldKind.USER:
        user = get_user_model().objects.filter(username__iexact=text[:150], is_active=True).first()
        if user is None:
            raise ValidationError(f"No active user {text[:150]!r}.")
        return user.pk
    if kind == FieldKind.DATE:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValidationError("Enter a date as YYYY-MM-DD.")
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as error:
            raise ValidationError("Enter a real date as YYYY-MM-DD.") from error
    raise ValidationError("Unknown field kind.")


def classification_clean(*, incident: Incident | None, data: Mapping[str, Any], actor: Any) -> Cleaned:
    """Check a type and custom values for an incident being declared (None) or edited.

    On edit, custom values merge into the current ones while the type stays; a new type starts
    from the values given. Required fields of the resulting type must all have a value.
    """
    current = _classification(incident) if incident is not None else None
    current_type = current.incident_type if current is not None else None
    errors: dict[str, str] = {}
    new_type = current_type
    if "type" in data:
        slug = data["type"]
        if slug in (None, ""):
            new_type = None
        elif not isinstance(slug, str):
            errors["type"] = "Give the type's slug, or null."
        else:
            found = IncidentType.objects.filter(slug=slug.strip()).first()
            if found is None or (not found.active and found != current_type):
                errors["type"] = f"No incident type {slug[:50]!r}."
            else:
                new_type = found
    if errors:
        raise ValidationError(errors)
    given = data.get(FIELDS)
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ValidationError({FIELDS: 'Give custom fields as an object: {"key": value}.'})
    if new_type is None:
        if any(value not in (None, "") for value in given.values()):
            raise ValidationError({FIELDS: "Custom fields belong to an incident type: choose one first."})
        return Cleaned(incident_type=None, declaring=incident is None)
    definitions = {f.key: f for f in new_type.fields.order_by("position", "id")}
    values = dict(current.values) if current is not None and new_type == current_type else {}
    for key, raw in given.items():
        definition = definitions.get(str(key))
        if definition is None:
            errors[f"{FIELDS}.{str(key)[:50]}"] = (
                f"{new_type.name} incidents have no field {str(key)[:50]!r}."
            )
            continue
        try:
            value = clean_value(definition, raw)
        except ValidationError as error:
            errors[f"{FIELDS}.{key}"] = error.messages[0]
            continue
        if value is None:
            values.pop(definition.key, None)
        else:
            values[definition.key] = value
    for key, definition in definitions.items():
        if definition.required and values.get(key) is None and f"{FIELDS}.{key}" not in errors:
            errors[f"{FIELDS}.{key}"] = f"{definition.label} is required for {new_type.name} incidents."
    if errors:
        raise ValidationError(errors)
    return Cleaned(incident_type=new_type, values={k: v for k, v in values.items() if k in definitions})


def classification_save(*, incident: Incident, cleaned: Cleaned, actor: Any) -> None:
    """Write what `classification_clean` checked (inside the incident service's transaction)."""
    if cleaned.incident_type is None and cleaned.declaring:
        return  # a new incident without a type: nothing to write, nothing to remove
    current = IncidentClassification.objects.select_for_update().filter(incident_id=incident.pk).first()
    if cleaned.incident_type is None:
        if current is not None:
            set_history_user(current, actor)
            current.delete()
        return
    if current is None:
        current = IncidentClassification(incident=incident)
    elif current.incident_type_id == cleaned.incident_type.pk and current.values == cleaned.values:
        return
    current.incident_type = cleaned.incident_type
    current.values = cleaned.values
    current.updated_by = actor_or_none(actor)
    set_history_user(current, actor)
    current.save()


# ---------------------------------------------------------------- admins: types, fields, templates


def _require_admin(actor: Any) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins define incident types.")


def _check_rows(errors: dict[str, Any], name: str, rows: list[dict[str, Any]], *, fields: bool) -> None:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        key = str(row.get("key") or "")
        prefix = f"{name}.{index}"
        if not KEY.match(key):
            errors[f"{prefix}.key"] = "Start with a letter; use lowercase letters, digits and _."
        elif key in seen:
            errors[f"{prefix}.key"] = f"The key {key!r} is used twice."
        seen.add(key)
        if fields:
            if row.get("kind") not in FieldKind.values:
                errors[f"{prefix}.kind"] = f"Choose one of {', '.join(FieldKind.values)}."
            choices = row.get("choices") or []
            if row.get("kind") == FieldKind.CHOICE and not choices:
                errors[f"{prefix}.choices"] = "A choice field needs its options."
            if not str(row.get("label") or "").strip():
                errors[f"{prefix}.label"] = "Give the field a label."
        elif not str(row.get("title") or "").strip():
            errors[f"{prefix}.title"] = "Give the section a title."
    if fields and len(rows) > MAX_FIELDS:
        errors[name] = f"At most {MAX_FIELDS} fields."


@transaction.atomic
def incident_type_save(
    *,
    actor: Any,
    incident_type: IncidentType | None,
    values: dict[str, Any],
    fields: list[dict[str, Any]] | None = None,
    sections: list[dict[str, Any]] | None = None,
) -> IncidentType:
    """Create or change a type; `fields` and `sections`, when given, replace the type's (in order).

    Admins only. Values already recorded for a removed field stay stored but are no longer shown.
    """
    _require_admin(actor)
    errors: dict[str, Any] = {}
    slug = str(values.get("slug") or "").strip()
    name = str(values.get("name") or "").strip()
    own_pk = incident_type.pk if incident_type is not None else 0
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", slug):
        errors["slug"] = "Use lowercase letters, digits, - and _."
    elif IncidentType.objects.filter(slug=slug).exclude(pk=own_pk).exists():
        errors["slug"] = f"There is a type {slug!r} already."
    if not name or len(name) > 100:
        errors["name"] = "Give the type a name (up to 100 characters)."
    elif IncidentType.objects.filter(name__iexact=name).exclude(pk=own_pk).exists():
        errors["name"] = f"There is a type named {name!r} already."
    _check_rows(errors, "fields", fields or [], fields=True)
    _check_rows(errors, "sections", sections or [], fields=False)
    if errors:
        raise ValidationError(errors)
    target = incident_type or IncidentType()
    target.slug = slug
    target.name = name
    target.description = str(values.get("description") or "")
    target.active = bool(values.get("active", True))
    target.position = int(values.get("position") or 0)
    target.save()
    if fields is not None:
        target.fields.exclude(key__in=[row["key"] for row in fields]).delete()
        for position, row in enumerate(fields):
            CustomField.objects.update_or_create(
                incident_type=target,
                key=row["key"],
                defaults={
                    "label": str(row["label"]).strip()[:200],
                    "kind": row["kind"],
                    "required": bool(row.get("required")),
                    "choices": [str(choice) for choice in row.get("choices") or []],
                    "help": str(row.get("help") or "")[:300],
                    "position": position,
                },
            )
    if sections is not None:
        target.sections.exclude(key__in=[row["key"] for row in sections]).delete()
        for position, row in enumerate(sections):
            TemplateSection.objects.update_or_create(
                incident_type=target,
                key=row["key"],
                defaults={
                    "title": str(row["title"]).strip()[:200],
                    "prompt": str(row.get("prompt") or ""),
                    "required": bool(row.get("required")),
                    "position": position,
                },
            )
    return target
