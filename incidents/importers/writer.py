"""One record at a time: a `SourceRecord` becomes Hindsight rows through the services.

Records a run sees for the first time are created in batches (batches.py), through the same
checks; this writer updates records seen before, and writes a batch record by record when one of
its records can only be refused while writing.

Numbering, validation, audit history and system entries are the services' (`incident_declare`,
`incident_update`, `timeline_event_add`, `cause_add`, `action_add`, `section_update`, …). Each
record is written in its own transaction: a record that fails leaves nothing behind. Re-running an
import finds the rows it made (`ImportedRecord`, `TimelineEvent.external_id`) and changes only what
changed at the source.

Imports notify nobody: the jobs the services queue for a record (assignment reminders,
postmortem generation) are dropped before the record commits — history is not news. Generate an
imported incident's postmortem from its page when you want one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_save

from incidents.choices import LIFECYCLE_FIELDS
from incidents.importers.models import ImportedKind, ImportedRecord
from incidents.importers.people import People
from incidents.importers.records import EntryRecord, RecordError, SourceRecord
from incidents.models import Cause, Incident, Job, RemediationAction
from incidents.postmortems.models import Section
from incidents.postmortems.services import postmortem_ensure, section_update
from incidents.services import (
    action_add,
    action_update,
    cause_add,
    cause_update,
    incident_add_participant,
    incident_declare,
    incident_update,
)
from timeline.actors import Actor, actor_or_none
from timeline.choices import EventSource
from timeline.models import TimelineEvent
from timeline.services import NewEntry, timeline_event_update, timeline_events_add_many

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"

_held = threading.local()


def _collect_job(sender: Any, instance: Job, created: bool, **kwargs: Any) -> None:
    held: list[Any] | None = getattr(_held, "jobs", None)
    if created and held is not None:
        held.append(instance.pk)


post_save.connect(_collect_job, sender=Job, dispatch_uid="importers-hold-jobs")


@contextlib.contextmanager
def jobs_dropped() -> Iterator[None]:
    """Delete, before commit, the jobs queued inside the block: their after-commit dispatch then
    finds nothing to send."""
    _held.jobs = []
    try:
        yield
        if _held.jobs:
            Job.objects.filter(pk__in=_held.jobs).delete()
    finally:
        _held.jobs = None


@dataclass
class WriteResult:
    outcome: str  # created, updated or unchanged
    incident: Incident | None


def _errors(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(name, " ".join(messages)) for name, messages in error.message_dict.items()]
    return [("record", " ".join(error.messages))]


def _as_record_error(record: SourceRecord, prefix: str, error: Exception) -> RecordError:
    if isinstance(error, ValidationError):
        name, message = _errors(error)[0]
    else:
        name, message = "record", str(error) or type(error).__name__
    field = f"{prefix}.{name}" if prefix else name
    return RecordError(record=record.label, field=field, message=message)


@contextlib.contextmanager
def _blame(record: SourceRecord, prefix: str = "") -> Iterator[None]:
    """Turn a service's refusal into a RecordError naming the record and the field."""
    try:
        yield
    except (ValidationError, PermissionDenied) as error:
        raise _as_record_error(record, prefix, error) from error


def record_write(*, record: SourceRecord, actor: Actor, people: People, force: bool = False) -> WriteResult:
    """Write one record in its own transaction; raise RecordError (writing nothing) if it fails."""
    record.check()
    fingerprint = record.fingerprint()
    try:
        with transaction.atomic(), jobs_dropped():
            link = (
                ImportedRecord.objects.select_for_update()
                .filter(source=record.source, kind=ImportedKind.INCIDENT, external_id=record.external_id)
                .select_related("incident")
                .first()
            )
            if link is not None and link.fingerprint == fingerprint and not force:
                return WriteResult(UNCHANGED, link.incident)
            if link is None:
                incident = _declare(record, actor, people)
                link = incident_link(record, incident, actor=actor, fingerprint=fingerprint)
                link.save()
                outcome = CREATED
            else:
                incident = _update(record, link.incident, actor, people)
                outcome = UPDATED
            _participants(record, incident, actor, people)
            _entries(record, incident, people)
            write_causes(record, incident, actor)
            write_actions(record, incident, actor, people)
            write_sections(record, incident, actor)
            link.fingerprint = fingerprint
            link.url = record.url[:500]
            link.save(update_fields=["fingerprint", "url", "updated_at"])
    except RecordError:
        people.rollback()
        raise
    people.commit()
    return WriteResult(outcome, incident)


def times_of(record: SourceRecord) -> dict[str, Any]:
    times = {field: getattr(record, field) for field in LIFECYCLE_FIELDS}
    # A source that gives only a start means it was noticed then too: the declaration service
    # would otherwise take the moment of the import as the detection time.
    if times["detected_at"] is None:
        times["detected_at"] = times["started_at"]
    return times


def incident_link(
    record: SourceRecord, incident: Incident, *, actor: Actor, fingerprint: str
) -> ImportedRecord:
    """The (unsaved) row that ties the incident made from a record to the record's id at the source."""
    return ImportedRecord(
        source=record.source,
        kind=ImportedKind.INCIDENT,
        external_id=record.external_id,
        incident=incident,
        url=record.url[:500],
        imported_by=actor_or_none(actor),
        fingerprint=fingerprint,
    )


def declared_fields(record: SourceRecord, commander: Any) -> dict[str, Any]:
    """What declaring the record's incident takes (`incident_declare`, or a batch's `Declaration`)."""
    return {
        "title": record.title,
        "severity": record.severity,
        "summary": record.summary,
        "impact": record.impact,
        "services": record.services,
        "commander": commander,
        "private": record.private,
        "tags": record.tags,
        "status": record.status,
        **times_of(record),
    }


def _declare(record: SourceRecord, actor: Actor, people: People) -> Incident:
    commander = people.user(record.commander)
    with _blame(record):
        return incident_declare(actor=actor, **declared_fields(record, commander))


def _update(record: SourceRecord, incident: Incident, actor: Actor, people: People) -> Incident:
    wanted: dict[str, Any] = {
        "title": record.title,
        "severity": record.severity,
        "status": record.status,
        "summary": record.summary,
        "impact": record.impact,
        "tags": record.tags,
        **{field: value for field, value in times_of(record).items() if value is not None},
    }
    # A source flagged private stays private here; a person may also have made it private since.
    if record.private:
        wanted["private"] = True
    commander = people.user(record.commander)
    if commander is not None:
        wanted["commander"] = commander
    changed = {field: value for field, value in wanted.items() if getattr(incident, field) != value}
    current_services = sorted(incident.services.values_list("name", flat=True))
    if sorted(record.services) != current_services and record.services:
        changed["services"] = record.services
    if not changed:
        return incident
    with _blame(record):
        return incident_update(incident=incident, actor=actor, data=changed)


def _participants(record: SourceRecord, incident: Incident, actor: Actor, people: People) -> None:
    present = set(incident.participants.values_list("pk", flat=True))
    for person in record.participants:
        user = people.user(person)
        if user is None or user.pk in present or user.pk in (incident.commander_id, incident.reporter_id):
            continue
        with _blame(record, "participants"):
            incident_add_participant(incident=incident, actor=actor, user=user)
        present.add(user.pk)


def entry_key(record: SourceRecord, entry_id: str) -> str:
    return f"{record.source}:{entry_id}"[:200]


def new_entry(record: SourceRecord, entry: EntryRecord, people: People) -> NewEntry:
    """A source's entry as the timeline service takes it, keyed by its id at the source."""
    return NewEntry(
        actor=people.user(entry.author),
        kind=entry.kind,
        body=entry.body,
        occurred_at=entry.occurred_at,
        is_key=entry.is_key,
        external_id=entry_key(record, entry.external_id),
    )


def _entries(record: SourceRecord, incident: Incident, people: People) -> None:
    keys = [entry_key(record, entry.external_id) for entry in record.entries]
    existing = {
        event.external_id: event
        for event in TimelineEvent.all_objects.filter(incident=incident, external_id__in=keys)
    }
    # New entries are written together; one the source lists twice is written once, as last given.
    added: dict[str, tuple[int, NewEntry]] = {}
    for index, (entry, key) in enumerate(zip(record.entries, keys, strict=True)):
        event = existing.get(key)
        if event is None:
            added[key] = (added[key][0] if key in added else index, new_entry(record, entry, people))
        elif not event.is_deleted:
            # An entry someone deleted here stays deleted; one they pinned stays pinned.
            data = {
                field: value
                for field, value in (
                    ("body", entry.body.strip()),
                    ("kind", entry.kind),
                    ("occurred_at", entry.occurred_at),
                )
                if getattr(event, field) != value
            }
            if data:
                with _blame(record, f"entries[{index}]"):
                    timeline_event_update(event=event, actor=None, data=data)
    positions = [index for index, _ in added.values()]
    try:
        timeline_events_add_many(
            incident=incident, entries=[new for _, new in added.values()], source=EventSource.IMPORT
        )
    except ValidationError as error:
        # The service numbers the entries it was given; name them as the source numbers them.
        name, message = _errors(error)[0]
        given, _, field = name.removeprefix("entries[").partition("].")
        raise RecordError(
            record=record.label, field=f"entries[{positions[int(given)]}].{field}", message=message
        ) from error


def _links(incident: Incident, kind: str) -> dict[str, ImportedRecord]:
    return {
        link.external_id: link
        for link in ImportedRecord.objects.filter(incident=incident, kind=kind).exclude(object_id=None)
    }


def write_causes(record: SourceRecord, incident: Incident, actor: Actor) -> None:
    if not record.causes:
        return
    links = _links(incident, ImportedKind.CAUSE)
    for index, item in enumerate(record.causes):
        key = f"{record.external_id}:{item.external_id}"
        values: dict[str, Any] = {
            "category": item.category,
            "role": item.role,
            "status": item.status,
            "description": item.description,
        }
        link = links.get(key)
        cause = Cause.objects.filter(pk=link.object_id).first() if link and link.object_id else None
        with _blame(record, f"causes[{index}]"):
            if cause is None:
                cause = cause_add(incident=incident, actor=actor, **values)
                _link(record, incident, ImportedKind.CAUSE, key, cause.pk, link)
            else:
                changed = {k: v for k, v in values.items() if getattr(cause, k) != v}
                if changed:
                    cause_update(cause=cause, actor=actor, data=changed)


def write_actions(record: SourceRecord, incident: Incident, actor: Actor, people: People) -> None:
    if not record.actions:
        return
    links = _links(incident, ImportedKind.ACTION)
    for index, item in enumerate(record.actions):
        key = f"{record.external_id}:{item.external_id}"
        values: dict[str, Any] = {
            "title": item.title,
            "description": item.description,
            "kind": item.kind,
            "priority": item.priority,
            "status": item.status,
            "ticket_url": item.ticket_url,
            "completion_note": item.completion_note,
        }
        if item.due_date is not None:
            values["due_date"] = item.due_date
        owner = people.user(item.owner)
        link = links.get(key)
        action = (
            RemediationAction.objects.filter(pk=link.object_id).first() if link and link.object_id else None
        )
        with _blame(record, f"actions[{index}]"):
            if action is None:
                action = action_add(incident=incident, actor=actor, owner=owner, **values)
                _link(record, incident, ImportedKind.ACTION, key, action.pk, link)
            else:
                changed = {k: v for k, v in values.items() if getattr(action, k) != v}
                if owner is not None and action.owner_id != owner.pk:
                    changed["owner"] = owner
                if changed:
                    action_update(action=action, actor=actor, data=changed)


def _link(
    record: SourceRecord,
    incident: Incident,
    kind: str,
    key: str,
    object_id: int,
    link: ImportedRecord | None,
) -> None:
    if link is not None:
        link.object_id = object_id
        link.save(update_fields=["object_id", "updated_at"])
        return
    ImportedRecord.objects.create(
        source=record.source, kind=kind, external_id=key, incident=incident, object_id=object_id
    )


def write_sections(record: SourceRecord, incident: Incident, actor: Actor) -> None:
    if not record.sections:
        return
    postmortem = postmortem_ensure(incident=incident)
    current = {section.key: section for section in postmortem.sections.all()}
    for section in record.sections:
        existing = current.get(section.key)
        if existing is None:
            raise RecordError(
                record=record.label,
                field=f"sections.{section.key}",
                message=f"The postmortem template has no section {section.key!r}.",
            )
        if existing.body == section.body and existing.edited:
            continue
        with _blame(record, f"sections.{section.key}"):
            try:
                section_update(postmortem=postmortem, key=section.key, actor=actor, body=section.body)
            except Section.DoesNotExist as error:
                raise ValidationError({"key": "No such section."}) from error
