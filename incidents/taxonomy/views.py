"""Pages: the type's fields inside the declare/edit forms (htmx), and the admins' type editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents import selectors as incident_selectors
from incidents.permissions import can_edit_incident, is_admin, is_responder
from incidents.query import query_values
from incidents.taxonomy import selectors, services
from incidents.taxonomy.forms import FieldFormSet, IncidentTypeForm, SectionFormSet, TypeForm
from incidents.taxonomy.models import IncidentType

INVALID = 422


class FieldsQuery(forms.Form):
    type = forms.SlugField(required=False, max_length=50)
    incident = forms.CharField(required=False, max_length=30)


@login_required
def incident_fields(request: HttpRequest) -> HttpResponse:
    """The custom fields of the type chosen on the declare or edit form (swapped in by htmx)."""
    if not is_responder(request.user):
        raise PermissionDenied("Only responders declare and edit incidents.")
    query = query_values(request, FieldsQuery)
    incident = None
    if query["incident"]:
        incident = incident_selectors.incident_get(user=request.user, reference=query["incident"])
        if incident is None or not can_edit_incident(request.user, incident):
            raise Http404("No such incident.")
    form = IncidentTypeForm(incident=incident, chosen=query["type"] or "")
    return render(request, "taxonomy/_custom_fields.html", {"form": form})


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("Only admins define incident types.")


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "taxonomy/type_list.html", {"types": selectors.incident_type_list()})


def _rows(formset: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("key"):
            continue
        rows.append({name: data.get(name) for name in names})
    return rows


def _initial(incident_type: IncidentType | None) -> tuple[dict[str, Any], list[Any], list[Any]]:
    if incident_type is None:
        # A new type's template starts as a copy of the default one, to trim and reorder.
        return {"active": True, "position": 0}, [], selectors.default_template()
    values = {
        "name": incident_type.name,
        "slug": incident_type.slug,
        "description": incident_type.description,
        "active": incident_type.active,
        "position": incident_type.position,
    }
    fields = [
        {
            "key": f.key,
            "label": f.label,
            "kind": f.kind,
            "required": f.required,
            "choices": "\n".join(f.choices),
            "help": f.help,
        }
        for f in incident_type.fields.all()
    ]
    sections = [
        {"key": s.key, "title": s.title, "required": s.required, "prompt": s.prompt}
        for s in incident_type.sections.all()
    ]
    return values, fields, sections


def _route(error: ValidationError, form: TypeForm, field_set: Any, section_set: Any) -> None:
    for key, messages_ in error.message_dict.items():
        parts = key.split(".")
        target: Any = form
        name: str | None = key if key in form.fields else None
        if parts[0] in ("fields", "sections") and len(parts) == 3:
            formset = field_set if parts[0] == "fields" else section_set
            rows = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            rows = [f for f in rows if f.cleaned_data.get("key")]
            index = int(parts[1])
            if index < len(rows):
                target, name = rows[index], parts[2] if parts[2] in rows[index].fields else None
        for message in messages_:
            target.add_error(name, message)


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Create or edit a type: its name, its custom fields, its postmortem template (rows in order)."""
    _require_admin(request)
    incident_type = None
    if slug is not None:
        incident_type = selectors.incident_type_get(slug=slug)
        if incident_type is None:
            raise Http404("No such incident type.")
    values, fields, sections = _initial(incident_type)
    data = request.POST or None
    form = TypeForm(data, initial=values)
    field_set = FieldFormSet(data, initial=fields, prefix="fields")
    section_set = SectionFormSet(data, initial=sections, prefix="sections")
    status = 200
    if request.method == "POST":
        status = INVALID
        has_postmortems = apps.is_installed("incidents.postmortems")
        if all([form.is_valid(), field_set.is_valid(), not has_postmortems or section_set.is_valid()]):
            try:
                saved = services.incident_type_save(
                    actor=request.user,
                    incident_type=incident_type,
                    values=form.cleaned_data,
                    fields=_rows(field_set, ("key", "label", "kind", "required", "choices", "help")),
                    sections=_rows(section_set, ("key", "title", "required", "prompt"))
                    if has_postmortems
                    else None,
                )
            except ValidationError as error:
                _route(error, form, field_set, section_set)
            else:
                messages.success(request, f"Saved the {saved.name} type.")
                return redirect("taxonomy-type-edit", slug=saved.slug)
    return render(
        request,
        "taxonomy/type_edit.html",
        {
            "incident_type": incident_type,
            "form": form,
            "field_set": field_set,
            "section_set": section_set,
            "has_postmortems": apps.is_installed("incidents.postmortems"),
        },
        status=status,
    )
