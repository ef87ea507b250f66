from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.choices import ACTIVE_STATUSES, LIFECYCLE_FIELDS, Severity, Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.exceptions import ConflictError
from incidents.extensions import extension_keys, extensions_clean, extensions_save
from incidents.jobs import job_enqueue
from incidents.lifecycle import LABELS, lifecycle_errors
from incidents.models import Counter, Incident, Service
from incidents.services.common import (
    check_moment,
    check_text,
    require_edit,
    resolve_user,
    set_history_user,
)
from incidents.services.roles import apply_roles, notify_named, resolve_roles
from timeline.actors import Actor
from timeline.choices import EventKind
from timeline.services import system_event_add

MAX_TAGS = 20

# Checks other apps add (for example: "closed needs a published postmortem"). Each takes the
# incident and returns an error message, or None when closing is fine.
CLOSE_CHECKS: list[Callable[[Incident], str | None]] = []


def next_number() -> int:
    return next_numbers(1)[0]


def next_numbers(count: int) -> range:
    # One UPDATE takes the counter row's lock until commit, so concurrent declarations queue here
    # and every reference is unique and gapless (a rolled-back declaration gives its numbers back).
    Counter.objects.get_or_create(name="incident")
    Counter.objects.filter(name="incident").update(value=F("value") + count)
    last = Counter.objects.get(name="incident").value
    return range(last - count + 1, last + 1)


def service_name_clean(name: Any) -> str:
    """A service's name as stored (spaces collapsed); ValidationError keyed `services` if unusable."""
    clean = " ".join(str(name).split())
    if not clean:
        raise ValidationError({"services": "A service needs a name."})
    if len(clean) > 100:
        raise ValidationError({"services": "Service names are at most 100 characters."})
    return clean


def service_get_or_create(name: str) -> Service:
    """Return the service called `name` (case-insensitive), creating it on first use."""
    clean = service_name_clean(name)
    existing = Service.objects.filter(name__iexact=clean).first()
    if existing:
        return existing
    service, _ = Service.objects.get_or_create(name=clean)
    return service


def services_named(names: Iterable[Any]) -> list[Service]:
    if isinstance(names, str):
        names = names.split(",")
    result: list[Service] = []
    for name in names:
        if isinstance(name, Service):
            result.append(name)
        elif str(name).strip():
            result.append(service_get_or_create(str(name)))
    return result


def clean_tags(tags: Any) -> list[str]:
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


def check_choices(errors: dict[str, str], severity: Any, status: Any) -> None:
    if severity not in Severity.values:
        errors["severity"] = f"Choose one of {', '.join(Severity.values)}."
    if status not in Status.values:
        errors["status"] = f"Choose one of {', '.join(Status.values)}."


def apply_status_stamps(
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


def lifecycle_checks(errors: dict[str, str], values: dict[str, Any]) -> None:
    for field in LIFECYCLE_FIELDS:
        check_moment(errors, field, values.get(field))
    for field, message in lifecycle_errors(values).items():
        errors.setdefault(field, message)


@transaction.atomic
def incident_restore(
    *,
    actor: Actor,
    values: dict[str, Any],
    services: Iterable[Any] = (),
    participants: Iterable[Any] = (),
    extra: dict[str, Any] | None = None,
) -> Incident:
    """Create an incident restored from an export under this instance's next reference.

    The record is taken as it was (status, times, roles): no status stamps, no system entry, no
    event, so nobody is notified of history. Choices and the lifecycle are checked as on declare,
    and so are the fields other apps add (`extra`: e.g. the incident's type and custom fields).
    """
    errors: dict[str, Any] = {}
    check_choices(errors, values.get("severity"), values.get("status"))
    lifecycle_checks(errors, {field: values.get(field) for field in LIFECYCLE_FIELDS})
    extended = extensions_clean(errors, incident=None, data=extra, actor=actor)
    if errors:
        raise ValidationError(errors)
    number = next_number()
    incident = Incident(number=number, reference=f"INC-{number}", **values)
    set_history_user(incident, actor)
    incident.save()
    incident.services.set(services_named(services))
    incident.participants.set([user for user in participants if user is not None])
    extensions_save(incident, extended, actor)
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
    check_choices(errors, new_severity, new_status)
    now = timezone.now()
    values = {field: data.get(field, getattr(locked, field)) for field in LIFECYCLE_FIELDS}
    if values["started_at"] is None:
        errors["started_at"] = "An incident always has a start time."
    if values["detected_at"] is None:
        errors["detected_at"] = "An incident always has a detection time."
    if not errors:
        apply_status_stamps(values, locked.status, new_status, now)
    lifecycle_checks(errors, values)
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
    service_objects = services_named(data["services"]) if "services" in data else None
    tags = clean_tags(data["tags"]) if "tags" in data else locked.tags

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
        on_resolved(locked, actor)
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


def on_resolved(incident: Incident, actor: Actor) -> None:
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
