"""Fields other apps add to the incident record: on declare and edit, in the API and in exports.

The core never imports the apps that add them. An app appends an `IncidentExtension` to
`INCIDENT_EXTENSIONS` from its `AppConfig.ready()` (as it registers panels and close checks):

- the services clean its input together with the core's fields, so one `ValidationError` names
  every bad field and nothing is saved, then save it inside the same transaction;
- the API's incident write serializers take its input fields and the detail adds its keys;
- the declare and edit pages render its form (`form()`), whose template the form carries.

Errors on values inside a field are keyed with a dot (`custom_fields.region`); the API answers them
nested (`{"custom_fields": {"region": [...]}}`), a form shows them beside its own field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from django import forms
    from rest_framework import serializers

    from incidents.models import Incident


class ExtensionForm(Protocol):
    """What the declare and edit pages need from an extension's form (a Django form)."""

    template_name: str
    extension_keys: tuple[str, ...]  # the service's error keys it shows (dotted ones included)

    def is_valid(self) -> bool: ...

    def service_data(self) -> dict[str, Any]:
        """Return the input for the services, in the API's terms (`{"type": …, …}`)."""

    def add_service_error(self, key: str, message: str) -> None:
        """Show one of the service's messages (`key` is one of the extension's keys, maybe dotted)."""


class IncidentExtension(Protocol):
    keys: tuple[str, ...]  # the input keys it owns, e.g. ("type", "custom_fields")

    def api_input_fields(self) -> dict[str, serializers.Field]: ...

    def api_output_fields(self) -> dict[str, serializers.Field]: ...

    def clean(self, *, incident: Incident | None, data: Mapping[str, Any], actor: Any) -> Any:
        """Check `data` (only the keys given); raise ValidationError; return what `save` needs."""

    def save(self, *, incident: Incident, cleaned: Any, actor: Any) -> None: ...

    def represent(self, *, incident: Incident) -> dict[str, Any]:
        """Return the extension's keys for the incident's detail and its JSON export."""

    def describe(self, *, incident: Incident) -> list[tuple[str, str]]:
        """Return (label, value) pairs for documents people read (the Markdown and HTML exports)."""

    def form(self, *, data: Mapping[str, Any] | None, incident: Incident | None) -> forms.Form: ...


INCIDENT_EXTENSIONS: list[IncidentExtension] = []


def extension_keys() -> set[str]:
    return {key for extension in INCIDENT_EXTENSIONS for key in extension.keys}


def split_extension_data(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split input into (the core's fields, the extensions' fields)."""
    owned = extension_keys()
    core = {key: value for key, value in data.items() if key not in owned}
    extra = {key: value for key, value in data.items() if key in owned}
    return core, extra


def extensions_clean(
    errors: dict[str, Any], *, incident: Incident | None, data: Mapping[str, Any] | None, actor: Any
) -> list[tuple[IncidentExtension, Any]]:
    """Clean each extension's part of `data`, adding its messages to `errors` (the core's own).

    On declare (`incident` None) every extension cleans, even with nothing given (its required
    values); on edit only those whose keys were sent.
    """
    data = dict(data or {})
    unknown = set(data) - extension_keys()
    for key in sorted(unknown):
        errors[key] = "This field cannot be changed."
    cleaned: list[tuple[IncidentExtension, Any]] = []
    for extension in INCIDENT_EXTENSIONS:
        own = {key: data[key] for key in extension.keys if key in data}
        if incident is not None and not own:
            continue
        try:
            cleaned.append((extension, extension.clean(incident=incident, data=own, actor=actor)))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, messages[0] if len(messages) == 1 else messages)
    return cleaned


def extensions_save(incident: Incident, cleaned: list[tuple[IncidentExtension, Any]], actor: Any) -> None:
    for extension, values in cleaned:
        extension.save(incident=incident, cleaned=values, actor=actor)


def extensions_represent(incident: Incident) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for extension in INCIDENT_EXTENSIONS:
        data.update(extension.represent(incident=incident))
    return data


def extensions_describe(incident: Incident) -> list[tuple[str, str]]:
    """What the extensions add to the incident, as (label, text) pairs for documents."""
    rows: list[tuple[str, str]] = []
    for extension in INCIDENT_EXTENSIONS:
        rows.extend(extension.describe(incident=incident))
    return rows


def extension_forms(*, data: Mapping[str, Any] | None, incident: Incident | None) -> list[Any]:
    return [extension.form(data=data, incident=incident) for extension in INCIDENT_EXTENSIONS]


def extension_forms_data(forms: list[Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for form in forms:
        data.update(form.service_data())
    return data


def route_extension_errors(error: ValidationError, forms: list[Any]) -> ValidationError | None:
    """Give the extension forms their messages; return the rest (for the core form), or None."""
    if not hasattr(error, "error_dict"):
        return error
    owners = {key: form for form in forms for key in form.extension_keys}
    rest: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        form = owners.get(key.split(".", 1)[0])
        if form is None:
            rest[key] = messages
            continue
        for message in messages:
            form.add_service_error(key, message)
    return ValidationError(rest) if rest else None


def nest_dotted(detail: dict[str, Any]) -> dict[str, Any]:
    """Turn `{"custom_fields.region": [...]}` into `{"custom_fields": {"region": [...]}}`.

    Messages on the whole field next to ones inside it go under `non_field_errors` in the group.
    """
    nested: dict[str, Any] = {}
    for key, value in detail.items():
        head, dot, tail = key.partition(".")
        if not (dot and head in extension_keys()):
            if isinstance(nested.get(key), dict):
                nested[key]["non_field_errors"] = value
            else:
                nested[key] = value
            continue
        group = nested.get(head)
        if not isinstance(group, dict):
            group = {} if group is None else {"non_field_errors": group}
            nested[head] = group
        group[tail] = value
    return nested
