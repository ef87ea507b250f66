"""Declaring incidents: one happening now (`incident_declare`) or many that happened elsewhere
(`incidents_record_many`, for imports). Both check a declaration with the same code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from incidents.choices import Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.extensions import extensions_clean, extensions_save
from incidents.models import Incident, Service
from incidents.permissions import is_responder
from incidents.search_index import index_objects, source_of
from incidents.services.common import actor_or_none, check_text, resolve_user, set_history_user
from incidents.services.incidents import (
    COMMANDER,
    apply_status_stamps,
    check_choices,
    clean_tags,
    lifecycle_checks,
    next_number,
    next_numbers,
    on_resolved,
    service_get_or_create,
    service_name_clean,
    services_named,
)
from incidents.services.roles import notify_named
from timeline.actors import Actor
from timeline.choices import EventKind, EventSource
from timeline.services import NewEntry, system_event_add, timeline_entries_errors, timeline_events_add_bulk


@transaction.atomic
def incident_declare(
    *,
    actor: Actor,
    title: str,
    severity: str,
    summary: str = "",
    impact: str = "",
    services: Iterable[Any] = (),
    commander: Any = None,
    private: bool = False,
    tags: Any = None,
    status: str = Status.INVESTIGATING,
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
    mitigated_at: datetime | None = None,
    resolved_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> Incident:
    """Declare an incident. Only a title and a severity are needed; the rest can come later.

    `extra` holds the fields other apps add (incidents/extensions.py), e.g. a type and its values.
    """
    _require_responder(actor)
    now = timezone.now()
    declaration = Declaration(
        title=title,
        severity=severity,
        summary=summary,
        impact=impact,
        services=services,
        commander=commander,
        private=private,
        tags=tags,
        status=status,
        started_at=started_at,
        detected_at=detected_at,
        acknowledged_at=acknowledged_at,
        mitigated_at=mitigated_at,
        resolved_at=resolved_at,
        extra=extra,
    )
    errors, checked = _declaration_check(declaration, actor=actor, now=now)
    if errors:
        raise ValidationError(errors)
    commander_user = resolve_user(commander, field="commander") or actor_or_none(actor)
    service_objects = services_named(services)
    incident = _new_incident(
        declaration, checked, number=next_number(), actor=actor, commander=commander_user
    )
    incident.save()
    if service_objects:
        incident.services.set(service_objects)
    extensions_save(incident, checked.extended, actor)
    notify_named(incident, actor, commander_user, role=COMMANDER, role_name="Incident commander")
    system_event_add(
        incident=incident,
        actor=actor,
        kind=EventKind.STATUS_CHANGE,
        body=_declared_body(declaration),
        occurred_at=now,
    )
    incident_event_emit(
        name=IncidentEventName.DECLARED,
        incident=incident,
        actor=actor,
        key=f"incident:{incident.pk}:declared",
    )
    if status == Status.RESOLVED:
        on_resolved(incident, actor)
    return incident


@dataclass
class Declaration:
    """An incident as `incident_declare` takes it; `incidents_record_many` takes a list of them
    (with the people who took part and the entries that make its timeline)."""

    title: str
    severity: str
    summary: str = ""
    impact: str = ""
    services: Iterable[Any] = ()
    commander: Any = None
    private: bool = False
    tags: Any = None
    status: str = Status.INVESTIGATING
    started_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    extra: dict[str, Any] | None = None
    participants: Sequence[Any] = ()
    entries: Sequence[NewEntry] = ()


@dataclass
class _Checked:
    values: dict[str, Any]  # the lifecycle times, defaults and status stamps applied
    tags: list[str]
    extended: list[Any]


def _require_responder(actor: Actor) -> None:
    if actor is not None and not is_responder(actor):
        raise PermissionDenied("Only responders can declare incidents.")


def _declaration_check(
    declaration: Declaration, *, actor: Actor, now: datetime
) -> tuple[dict[str, Any], _Checked]:
    """Every check `incident_declare` makes before writing; return (errors, what to write)."""
    errors: dict[str, Any] = {}
    check_text(errors, "title", declaration.title, required=True, max_length=200)
    check_text(errors, "summary", declaration.summary, required=False)
    check_text(errors, "impact", declaration.impact, required=False)
    check_choices(errors, declaration.severity, declaration.status)
    # Nothing but these two defaults and the status stamps is ever invented.
    detected = declaration.detected_at or now
    values: dict[str, Any] = {
        "started_at": declaration.started_at or detected,
        "detected_at": detected,
        "acknowledged_at": declaration.acknowledged_at,
        "mitigated_at": declaration.mitigated_at,
        "resolved_at": declaration.resolved_at,
    }
    if not errors:
        apply_status_stamps(values, None, declaration.status, now)
    lifecycle_checks(errors, values)
    extended = extensions_clean(errors, incident=None, data=declaration.extra, actor=actor)
    tags: list[str] = []
    try:
        tags = clean_tags(declaration.tags)
    except ValidationError as error:
        errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    return errors, _Checked(values=values, tags=tags, extended=extended)


def _new_incident(
    declaration: Declaration, checked: _Checked, *, number: int, actor: Actor, commander: Any
) -> Incident:
    incident = Incident(
        number=number,
        reference=f"INC-{number}",
        title=declaration.title.strip(),
        summary=declaration.summary or "",
        impact=declaration.impact or "",
        severity=declaration.severity,
        status=declaration.status,
        commander=commander,
        reporter=actor_or_none(actor),
        private=bool(declaration.private),
        tags=checked.tags,
        **checked.values,
    )
    set_history_user(incident, actor)
    return incident


def _declared_body(declaration: Declaration) -> str:
    return f"Incident declared: {declaration.severity}, {Status(declaration.status).label}."


@transaction.atomic
def incidents_record_many(*, actor: Actor, declarations: Sequence[Declaration]) -> list[Incident]:
    """Record many incidents at once (a batch of an import), in a few statements for all of them.

    Each declaration is checked by the code `incident_declare` uses, and its entries as the timeline
    checks them; any error refuses the lot and names the declaration (ValidationError keyed
    `[i].field` and `[i].entries[j].field`), writing nothing. What gets written is what declaring
    them one by one writes: numbers taken in one step (unique and gapless), each incident with its
    history row, its services (with their history), participants, the "Incident declared" system
    entry and the given entries with theirs, the extensions' values and the search index.

    History is not news: nobody is notified and no incident event is emitted, so no broadcast,
    subscription or postmortem job follows (`incident_declare` is for incidents happening now).
    """
    _require_responder(actor)
    now = timezone.now()
    errors: dict[str, Any] = {}
    checks: list[_Checked] = []
    for position, declaration in enumerate(declarations):
        found, checked = _declaration_check(declaration, actor=actor, now=now)
        found.update(timeline_entries_errors(declaration.entries))
        for name in _named(declaration.services):
            try:
                service_name_clean(name)
            except ValidationError as error:
                found["services"] = error.message_dict["services"][0]
        errors.update({f"[{position}].{key}": message for key, message in found.items()})
        checks.append(checked)
    if errors:
        raise ValidationError(errors)
    if not declarations:
        return []
    services = _services_by_name(name for declaration in declarations for name in declaration.services)
    numbers = next_numbers(len(declarations))
    incidents = [
        _new_incident(
            declaration,
            checked,
            number=number,
            actor=actor,
            commander=resolve_user(declaration.commander, field="commander") or actor_or_none(actor),
        )
        for declaration, checked, number in zip(declarations, checks, numbers, strict=True)
    ]
    Incident.objects.bulk_create(incidents)
    history = Incident.history.bulk_history_create(incidents, default_date=now)
    _services_set_many(incidents, history, declarations, services)
    Participant = Incident.participants.through
    Participant.objects.bulk_create(
        [
            Participant(incident_id=incident.pk, user_id=user.pk)
            for incident, declaration in zip(incidents, declarations, strict=True)
            for user in {person.pk: person for person in declaration.participants if person}.values()
        ],
        ignore_conflicts=True,
    )
    for incident, checked in zip(incidents, checks, strict=True):
        extensions_save(incident, checked.extended, actor)
    declared = [
        NewEntry(actor=actor, kind=EventKind.STATUS_CHANGE, body=_declared_body(declaration), occurred_at=now)
        for declaration in declarations
    ]
    timeline_events_add_bulk(
        items=[(incident, [entry]) for incident, entry in zip(incidents, declared, strict=True)],
        source=EventSource.SYSTEM,
    )
    timeline_events_add_bulk(
        items=[
            (incident, declaration.entries)
            for incident, declaration in zip(incidents, declarations, strict=True)
        ],
        source=EventSource.IMPORT,
    )
    index_objects(source_of("incident"), [incident.pk for incident in incidents])
    return incidents


def _named(names: Iterable[Any]) -> list[Any]:
    """The service names given, blank ones left out (as `incident_declare` leaves them out)."""
    return [name for name in names if str(name).strip()]


def _services_by_name(names: Iterable[Any]) -> dict[str, Service]:
    """The services named (any case), created on first use: one query for those that exist."""
    wanted = {service_name_clean(name).lower(): service_name_clean(name) for name in _named(names)}
    found: dict[str, Service] = {
        service.name.lower(): service
        for service in Service.objects.annotate(lowered=Lower("name")).filter(lowered__in=list(wanted))
    }
    for key, name in wanted.items():
        if key not in found:
            found[key] = service_get_or_create(name)
    return found


def _services_set_many(
    incidents: list[Incident],
    history: list[Any],
    declarations: Sequence[Declaration],
    services: dict[str, Service],
) -> None:
    """Link each incident to its services, and record the links in its history row (as
    `incident.services.set` does through django-simple-history's m2m tracking, one incident at a time)."""
    Link = Incident.services.through
    links: list[Any] = []
    for incident, declaration in zip(incidents, declarations, strict=True):
        chosen = {services[service_name_clean(name).lower()].pk for name in _named(declaration.services)}
        links.extend(Link(incident_id=incident.pk, service_id=pk) for pk in sorted(chosen))
    if not links:
        return
    Link.objects.bulk_create(links)
    history_of = {row.id: row for row in history}
    LinkHistory = Incident.history.model.services.model
    LinkHistory.objects.bulk_create(
        [
            LinkHistory(
                history=history_of[link.incident_id],
                id=link.pk,
                incident_id=link.incident_id,
                service_id=link.service_id,
            )
            for link in links
        ]
    )
