"""Forms: the type and custom fields inside the declare and edit pages, and the admin's type editor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.urls import reverse

from incidents.models import Incident
from incidents.taxonomy.models import CustomField, FieldKind, IncidentType
from incidents.taxonomy.selectors import classification_of, fields_of, type_choices

PREFIX = "cf_"


def _value_for_form(custom_field: CustomField, value: Any) -> Any:
    if value is None:
        return None
    if custom_field.kind == FieldKind.USER:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=value).first()
        return user.get_username() if user else None
    return value


def _form_field(custom_field: CustomField) -> forms.Field:
    common: dict[str, Any] = {
        "label": custom_field.label,
        "required": custom_field.required,
        "help_text": custom_field.help,
    }
    if custom_field.kind == FieldKind.CHOICE:
        choices = [("", "—"), *((choice, choice) for choice in custom_field.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if custom_field.kind == FieldKind.NUMBER:
        return forms.CharField(
            max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common
        )
    if custom_field.kind == FieldKind.USER:
        return forms.CharField(max_length=150, widget=forms.TextInput(attrs={"list": "usernames"}), **common)
    if custom_field.kind == FieldKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    return forms.CharField(max_length=2000, **common)


class IncidentTypeForm(forms.Form):
    """The incident's type and the custom fields of the chosen type (`cf_<key>`).

    Built for the type the submitted data names (else the incident's own), so changing the type
    without JavaScript shows the new type's fields with their errors; htmx swaps them in at once.
    """

    template_name = "taxonomy/_incident_form.html"
    extension_keys = ("type", "custom_fields")

    type = forms.ChoiceField(required=False, label="Type")

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        incident: Incident | None = None,
        chosen: str | None = None,
    ) -> None:
        self.incident = incident
        # A submission without the menu (a client posting only the core's fields) changes nothing here.
        self.submitted = data is None or "type" in data
        current = classification_of(incident) if incident is not None else None
        self.current_type = current.incident_type if current is not None else None
        initial: dict[str, Any] = {"type": self.current_type.slug if self.current_type else ""}
        types = type_choices(current=self.current_type)
        self.has_types = bool(types)
        slug = chosen if chosen is not None else (data.get("type") if data is not None else initial["type"])
        self.chosen_type: IncidentType | None = next((t for t in types if t.slug == slug), None)
        self.custom_fields = fields_of(self.chosen_type)
        if current is not None and self.chosen_type == self.current_type:
            for custom_field in self.custom_fields:
                initial[PREFIX + custom_field.key] = _value_for_form(
                    custom_field, current.values.get(custom_field.key)
                )
        super().__init__(data, initial=initial)
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [("", "No type"), *((t.slug, t.name) for t in types)]
        url = reverse("taxonomy-incident-fields")
        if incident is not None:
            url += f"?incident={incident.reference}"
        type_field.widget.attrs.update(
            {"hx-get": url, "hx-target": "#incident-type-fields", "hx-swap": "innerHTML"}
        )
        for custom_field in self.custom_fields:
            self.fields[PREFIX + custom_field.key] = _form_field(custom_field)

    @property
    def custom_field_rows(self) -> list[forms.BoundField]:
        return [self[PREFIX + custom_field.key] for custom_field in self.custom_fields]

    def service_data(self) -> dict[str, Any]:
        """The type and values in the API's terms; nothing when no type exists or none was chosen."""
        if not self.submitted or not self.has_types:
            return {}
        if self.chosen_type is None and self.current_type is None:
            return {}
        same_type = self.incident is not None and self.chosen_type == self.current_type
        values: dict[str, Any] = {}
        for custom_field in self.custom_fields:
            name = PREFIX + custom_field.key
            if same_type and name not in self.changed_data:
                continue  # kept as stored (a user since deactivated does not block the edit)
            value = self.cleaned_data.get(name)
            values[custom_field.key] = value.isoformat() if isinstance(value, date) else value
        if same_type and not values:
            return {}
        return {"type": self.chosen_type.slug if self.chosen_type else None, "custom_fields": values}

    def add_service_error(self, key: str, message: str) -> None:
        name = "type" if key == "type" else PREFIX + key.partition(".")[2]
        self.add_error(name if name in self.fields else None, message)


# ---------------------------------------------------------------- admins


class TypeForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(max_length=50, help_text="The API's name for it: security, data, availability.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(required=False, initial=True, help_text="Offered for new incidents.")
    position = forms.IntegerField(min_value=0, max_value=10_000, initial=0, help_text="Order in lists.")


class FieldForm(forms.Form):
    key = forms.CharField(max_length=50, help_text="e.g. customer_count")
    label = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=FieldKind.choices, initial=FieldKind.TEXT)
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Choice fields: one option a line.",
    )
    help = forms.CharField(required=False, max_length=300)

    def clean_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        return list(dict.fromkeys(line[:200] for line in lines if line))[:100]


class SectionForm(forms.Form):
    key = forms.CharField(max_length=50, help_text="summary, impact, timeline, causes, … or your own")
    title = forms.CharField(max_length=200)
    required = forms.BooleanField(required=False, help_text="Must be written before review.")
    prompt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


FieldFormSet = forms.formset_factory(FieldForm, extra=2, can_delete=True, max_num=50, absolute_max=60)
SectionFormSet = forms.formset_factory(SectionForm, extra=2, can_delete=True, max_num=50, absolute_max=60)
