from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from incidents.choices import ACTIVE_STATUSES, LIFECYCLE_FIELDS, Severity, Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.exceptions import ConflictError
from incidents.extensions import extension_keys, extensions_clean, extensions_save
from incidents.jobs import job_enqueue
from incidents.lifecycle import LABELS, lifecycle_errors
from incidents.models import Counter, Incident, Service
from incidents.permissions import is_responder
from incidents.search_index import index_objects, source_of
from incidents.services.common import (
    actor_or_none,
    check_moment,
    check_text,
    require_edit,
    resolve_user,
    set_history_user,
)
from incidents.services.roles import apply_roles, notify_named, resolve_roles
from timeline.actors import Actor
from timeline.choices import EventKind, EventSource
from timeline.services import NewEntry, system_event_add, timeline_entries_errors, timeline_events_add_bulk

MAX_TAGS = 20

# Checks other apps add (for example: "closed needs a published postmortem"). Each takes the
# incident and returns an error message, or None when closing is fine.
CLOSE_CHECKS: list[Callable[[Incident], str | None]] = []


def _next_number() -> int:
    return _next_numbers(1)[0]


def _next_numbers(count: int) -> range:
    # One UPDATE takes the counter row's lock until commit, so concurrent declarations queue here
    # and every reference is unique and gapless (a rolled-back declaration gives its numbers back).
    Counter.objects.get_or_create(name="incident")
    Counter.objects.filter(name="incident").update(value=F("value") + count)
    last = Counter.objects.get(name="incident").value
    return range(last - count + 1, last + 1)


def service_get_or_create(name: str) -> Service:
    """Return the service called `name` (case-insensitive), creating it on first use."""
    clean = " ".join(str(name).split())
    if not clean:
        raise ValidationError({"services": "A service needs a name."})
    if len(clean) > 100:
        raise ValidationError({"services": "Service names are at most 100 characters."})
    existing = Service.objects.filter(name__iexact=clean).first()
    if existing:
        return existing
    service, _ = Service.objects.get_or_create(name=clean)
    return service


def _services(names: Iterable[Any]) -> list[Service]:
    if isinstance(names, str):
        names = names.split(",")
    result: list[Service] = []
    for name in names:
        if isinstance(name, Service):
            result.append(name)
        elif str(name).strip():
            result.append(service_get_or_create(str(name)))
    return result


def _clean_tags(tags: Any) -> list[str]:
    if tags in (None, ""):
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list | tuple):
        raise ValidationError({"tags": "Give tags as a list of words."})
    clean: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError({"tags": "Each tag must be text."})
        value = tag.strip().lower()
        if len(value) > 50:
            raise ValidationError({"tags": "Tags are at most 50 characters."})
        if value and value not in clean:
            clean.append(value)
    if len(clean) > MAX_TAGS:
        raise ValidationError({"tags": f"At most {MAX_TAGS} tags."})
    return clean


def _check_choices(errors: dict[str, str], severity: Any, status: Any) -> None:
    if severity not in Severity.values:
        errors["severity"] = f"Choose one of {', '.join(Severity.values)}."
    if status not in Status.values:
        errors["status"] = f"Choose one of {', '.join(Status.values)}."


def _apply_status_stamps(
    values: dict[str, Any], old_status: str | None, new_status: str, now: datetime
) -> None:
    """Moving to monitoring stamps an empty mitigated_at; to resolved, an empty resolved_at.

    Reopening a resolved or closed incident clears resolved_at: it is no longer resolved, and a
    stale time would make every later milestone a lifecycle-order error.
    """
    if new_status == old_status:
        return
    if old_status in (Status.RESOLVED, Status.CLOSED) and new_status in ACTIVE_STATUSES:
        values["resolved_at"] = None
    if new_status == Status.MONITORING and values.get("mitigated_at") is None:
        values["mitigated_at"] = now
    if new_status == Status.RESOLVED and values.get("resolved_at") is None:
        values["resolved_at"] = now


def _lifecycle_checks(errors: dict[str, str], values: dict[str, Any]) -> None:
    for field in LIFECYCLE_FIELDS:
        check_moment(errors, field, values.get(field))
    for field, message in lifecycle_errors(values).items():
        errors.setdefault(field, message)


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
    service_objects = _services(services)
    incident = _new_incident(
        declaration, checked, number=_next_number(), actor=actor, commander=commander_user
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
        _on_resolved(incident, actor)
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
    _check_choices(errors, declaration.severity, declaration.status)
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
        _apply_status_stamps(values, None, declaration.status, now)
    _lifecycle_checks(errors, values)
    extended = extensions_clean(errors, incident=None, data=declaration.extra, actor=actor)
    tags: list[str] = []
    try:
        tags = _clean_tags(declaration.tags)
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
        for name in declaration.services:
            if isinstance(name, str) and len(" ".join(name.split())) > 100:
                found["services"] = "Service names are at most 100 characters."
        errors.update({f"[{position}].{key}": message for key, message in found.items()})
        checks.append(checked)
    if errors:
        raise ValidationError(errors)
    if not declarations:
        return []
    services = _services_by_name(name for declaration in declarations for name in declaration.services)
    numbers = _next_numbers(len(declarations))
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


def _services_by_name(names: Iterable[Any]) -> dict[str, Service]:
    """The services named (any case), created on first use: one query for those that exist."""
    wanted = {" ".join(str(name).split()).lower(): " ".join(str(name).split()) for name in names}
    wanted.pop("", None)
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
        chosen = {
            services[" ".join(str(name).split()).lower()].pk
            for name in declaration.services
            if str(name).strip()
        }
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


@transaction.atomic
def incident_restore(
    *,
    actor: Actor,
    values: dict[str, Any],
    services: Iterable[Any] = (),
    participants: Iterable[Any] = (),
) -> Incident:
    """Create an incident restored from an export under this instance's next reference.

    The record is taken as it was (status, times, roles): no status stamps, no system entry, no
    event, so nobody is notified of history. Choices and the lifecycle are checked as on declare.
    """
    errors: dict[str, str] = {}
    _check_choices(errors, values.get("severity"), values.get("status"))
    _lifecycle_checks(errors, {field: values.get(field) for field in LIFECYCLE_FIELDS})
    if errors:
        raise ValidationError(errors)
    number = _next_number()
    incident = Incident(number=number, reference=f"INC-{number}", **values)
    set_history_user(incident, actor)
    incident.save()
    incident.services.set(_services(services))
    incident.participants.set([user for user in participants if user is not None])
    return incident


UPDATABLE = {
    "title",
    "summary",
    "impact",
    "severity",
    "status",
    "services",
    "commander",
    "private",
    "tags",
    "duplicate_of",
    "false_alarm",
    "roles",
    *LIFECYCLE_FIELDS,
}

COMMANDER = "commander"


def _format_time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "unset"


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Incident:
    """Change an incident. A stale `expected_version` raises ConflictError and writes nothing.

    Status, severity, commander and lifecycle-time changes each write a system timeline event;
    moving to `resolved` starts postmortem generation.
    """
    require_edit(actor, incident)
    unknown = set(data) - UPDATABLE - extension_keys()
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    # Lock the row: the version check and the write must not interleave with another edit.
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise ConflictError(locked.version)

    errors: dict[str, str] = {}
    for field in ("title", "summary", "impact"):
        if field in data:
            check_text(
                errors,
                field,
                data[field],
                required=field == "title",
                max_length=200 if field == "title" else 100_000,
            )
    new_severity = data.get("severity", locked.severity)
    new_status = data.get("status", locked.status)
    _check_choices(errors, new_severity, new_status)
    now = timezone.now()
    values = {field: data.get(field, getattr(locked, field)) for field in LIFECYCLE_FIELDS}
    if values["started_at"] is None:
        errors["started_at"] = "An incident always has a start time."
    if values["detected_at"] is None:
        errors["detected_at"] = "An incident always has a detection time."
    if not errors:
        _apply_status_stamps(values, locked.status, new_status, now)
    _lifecycle_checks(errors, values)
    duplicate_of = data.get("duplicate_of", locked.duplicate_of)
    if duplicate_of is not None:
        if duplicate_of.pk == locked.pk:
            errors["duplicate_of"] = "An incident cannot be a duplicate of itself."
        elif duplicate_of.duplicate_of_id == locked.pk:
            errors["duplicate_of"] = f"{duplicate_of.reference} is already a duplicate of this incident."
    if new_status == Status.CLOSED and locked.status != Status.CLOSED:
        for check in CLOSE_CHECKS:
            message = check(locked)
            if message:
                errors["status"] = message
                break
    extended = extensions_clean(
        errors, incident=locked, data={key: data[key] for key in extension_keys() if key in data}, actor=actor
    )
    if errors:
        raise ValidationError(errors)
    role_changes = resolve_roles(errors, data["roles"]) if "roles" in data else {}
    if errors:
        raise ValidationError(errors)
    commander = (
        resolve_user(data["commander"], field="commander") if "commander" in data else locked.commander
    )
    service_objects = _services(data["services"]) if "services" in data else None
    tags = _clean_tags(data["tags"]) if "tags" in data else locked.tags

    old = {
        "status": locked.status,
        "severity": locked.severity,
        "commander": locked.commander,
        **{field: getattr(locked, field) for field in LIFECYCLE_FIELDS},
    }
    for field in ("title", "summary", "impact"):
        if field in data:
            setattr(locked, field, data[field].strip() if field == "title" else data[field])
    locked.severity = new_severity
    locked.status = new_status
    locked.commander = commander
    locked.tags = tags
    if "private" in data:
        locked.private = bool(data["private"])
    if "false_alarm" in data:
        locked.false_alarm = bool(data["false_alarm"])
    locked.duplicate_of = duplicate_of
    for field in LIFECYCLE_FIELDS:
        setattr(locked, field, values[field])
    locked.version = F("version") + 1
    set_history_user(locked, actor)
    locked.save()
    locked.refresh_from_db()
    if service_objects is not None:
        locked.services.set(service_objects)
    extensions_save(locked, extended, actor)

    if old["status"] != locked.status:
        system_event_add(
            incident=locked,
            actor=actor,
            kind=EventKind.STATUS_CHANGE,
            body=f"Status changed from {Status(old['status']).label} to {Status(locked.status).label}.",
        )
    if old["severity"] != locked.severity:
        system_event_add(
            incident=locked,
            actor=actor,
            kind=EventKind.SEVERITY_CHANGE,
            body=f"Severity changed from {old['severity']} to {locked.severity}.",
        )
    if old["commander"] != locked.commander:
        before = old["commander"].get_username() if old["commander"] else "nobody"
        after = locked.commander.get_username() if locked.commander else "nobody"
        system_event_add(
            incident=locked,
            actor=actor,
            kind=EventKind.ROLE_CHANGE,
            body=f"Incident commander changed from {before} to {after}.",
        )
        notify_named(locked, actor, locked.commander, role=COMMANDER, role_name="Incident commander")
    apply_roles(locked, actor, role_changes)
    for field in LIFECYCLE_FIELDS:
        if old[field] != getattr(locked, field):
            system_event_add(
                incident=locked,
                actor=actor,
                kind=EventKind.MILESTONE,
                body=(
                    f"{LABELS[field].capitalize()} time changed from {_format_time(old[field])} "
                    f"to {_format_time(getattr(locked, field))}."
                ),
            )
    _emit_changes(locked, actor, old_status=old["status"], old_severity=old["severity"])
    # Back from closed (its postmortem reopened) is not a new resolution: nothing to generate.
    if old["status"] not in (Status.RESOLVED, Status.CLOSED) and locked.status == Status.RESOLVED:
        _on_resolved(locked, actor)
    return locked


def _emit_changes(incident: Incident, actor: Actor, *, old_status: str, old_severity: str) -> None:
    # The version after this write makes each key unique per change and stable for its listeners.
    if old_severity != incident.severity:
        incident_event_emit(
            name=IncidentEventName.SEVERITY_CHANGED,
            incident=incident,
            actor=actor,
            key=f"incident:{incident.pk}:v{incident.version}:severity",
            detail={"from": old_severity, "to": incident.severity},
        )
    if old_status != incident.status:
        resolved = incident.status == Status.RESOLVED
        incident_event_emit(
            name=IncidentEventName.RESOLVED if resolved else IncidentEventName.STATUS_CHANGED,
            incident=incident,
            actor=actor,
            key=f"incident:{incident.pk}:v{incident.version}:status",
            detail={"from": old_status, "to": incident.status},
        )


def _on_resolved(incident: Incident, actor: Actor) -> None:
    """Start postmortem generation (handled by incidents.postmortems) once the change commits."""
    job_enqueue(
        name="postmortems.generate",
        kwargs={"incident_id": incident.pk, "reason": "incident resolved"},
        incident_id=incident.pk,
        actor=actor,
    )


@transaction.atomic
def incident_add_participant(*, incident: Incident, actor: Actor, user: Actor) -> Incident:
    """Add someone to the incident so they can see it when it is private."""
    require_edit(actor, incident)
    participant = resolve_user(user, field="user")
    if participant is None:
        raise ValidationError({"user": "Choose a user."})
    incident.participants.add(participant)
    return incident
