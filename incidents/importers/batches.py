"""New records in batches: the records a run sees for the first time are created together.

`records_write_new` hands a batch to `incidents_record_many`, which checks each record with
`incident_declare`'s own code and writes them all in a few statements (numbers, history, services,
participants, entries, search index). Causes, action items and sections then go through their
services one by one, as `record_write` writes them. A record refused before writing fails alone;
one refused while writing rolls the batch back, and the caller writes it record by record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from incidents.importers.models import ImportedRecord
from incidents.importers.people import People
from incidents.importers.records import RecordError, SourceRecord
from incidents.importers.writer import (
    declared_fields,
    entry_key,
    incident_link,
    jobs_dropped,
    new_entry,
    write_actions,
    write_causes,
    write_sections,
)
from incidents.models import Incident
from incidents.services.declare import Declaration, incidents_record_many
from timeline.actors import Actor, actor_or_none
from timeline.services import NewEntry


class BatchFallback(Exception):
    """A step that can only be checked by writing (a cause, an action, a section, a concurrent
    import of the same record) refused a record of the batch: nothing of the batch was written,
    and its records should be written one at a time, so only the bad one fails."""


class _Rehearsed(Exception):
    """Raised to roll back a batch written only to see what would happen (a dry run)."""


@dataclass
class BatchResult:
    written: list[tuple[SourceRecord, Incident | None]]  # incidents None in a dry run
    failed: list[RecordError]


def records_write_new(
    *, records: list[SourceRecord], actor: Actor, people: People, rehearse: bool = False
) -> BatchResult:
    """Create the incidents of records imported for the first time, a batch in one transaction.

    Everything goes through `incidents_record_many`, which checks each record as `incident_declare`
    does and writes the lot in a few statements; records it refuses are reported (naming the record
    and the field) and the others written without them. Raises BatchFallback when a record fails
    where only writing can tell; the caller then writes the batch with `record_write`.
    `rehearse` rolls the batch back after writing it (a dry run), reporting exactly what a real
    run would do.
    """
    failed: list[RecordError] = []
    pending: list[SourceRecord] = []
    for record in records:
        try:
            record.check()
        except RecordError as error:
            failed.append(error)
        else:
            pending.append(record)
    while pending:
        try:
            with transaction.atomic(), jobs_dropped():
                incidents = _create_many(pending, actor, people)
                if rehearse:
                    raise _Rehearsed
        except _Refused as refused:
            # Refused before anything was written; placeholders made for the batch went with it.
            people.rollback()
            failed.extend(refused.errors.values())
            pending = [record for index, record in enumerate(pending) if index not in refused.errors]
            continue
        except _Rehearsed:
            people.commit()
            return BatchResult(written=[(record, None) for record in pending], failed=failed)
        except (RecordError, IntegrityError) as error:
            people.rollback()
            raise BatchFallback from error
        people.commit()
        return BatchResult(written=list(zip(pending, incidents, strict=True)), failed=failed)
    return BatchResult(written=[], failed=failed)


class _Refused(Exception):
    def __init__(self, errors: dict[int, RecordError]) -> None:
        super().__init__(f"{len(errors)} records refused")
        self.errors = errors


def _create_many(records: list[SourceRecord], actor: Actor, people: People) -> list[Incident]:
    declarations: list[Declaration] = []
    positions: list[list[int]] = []  # per record: the source's index of each entry given
    for record in records:
        # People are resolved in the order `record_write` resolves them: a source may name someone
        # by email in one place only, and the first match is the one remembered.
        commander = people.user(record.commander)
        participants = _participants_of(record, people, commander, actor)
        entries, given = _new_entries(record, people)
        positions.append(given)
        declarations.append(
            Declaration(**declared_fields(record, commander), participants=participants, entries=entries)
        )
    try:
        incidents = incidents_record_many(actor=actor, declarations=declarations)
    except ValidationError as error:
        refused = _refusals(records, positions, error)
        if not refused:
            raise BatchFallback from error
        raise _Refused(refused) from error
    except PermissionDenied as error:
        raise _Refused(
            {
                index: RecordError(record=record.label, field="record", message=str(error))
                for index, record in enumerate(records)
            }
        ) from error
    ImportedRecord.objects.bulk_create(
        [
            incident_link(record, incident, actor=actor, fingerprint=record.fingerprint())
            for record, incident in zip(records, incidents, strict=True)
        ]
    )
    for record, incident in zip(records, incidents, strict=True):
        # Causes, action items and sections are few and checked as they are written, one by one.
        write_causes(record, incident, actor)
        write_actions(record, incident, actor, people)
        write_sections(record, incident, actor)
    return incidents


def _new_entries(record: SourceRecord, people: People) -> tuple[list[NewEntry], list[int]]:
    """The record's entries, one per source id (as last given), and where each was in the source."""
    added: dict[str, tuple[int, NewEntry]] = {}
    for index, entry in enumerate(record.entries):
        key = entry_key(record, entry.external_id)
        added[key] = (added[key][0] if key in added else index, new_entry(record, entry, people))
    return [new for _, new in added.values()], [index for index, _ in added.values()]


def _participants_of(record: SourceRecord, people: People, commander: Any, actor: Actor) -> list[Any]:
    """The people who took part, but for the commander and the importer (participants already)."""
    named = {commander.pk if commander else None, getattr(actor_or_none(actor), "pk", None)}
    found: dict[int, Any] = {}
    for person in record.participants:
        user = people.user(person)
        if user is not None and user.pk not in named:
            found.setdefault(user.pk, user)
    return list(found.values())


def _refusals(
    records: list[SourceRecord], positions: list[list[int]], error: ValidationError
) -> dict[int, RecordError]:
    """Turn `incidents_record_many`'s errors (`[i].field`, `[i].entries[j].field`) into one
    RecordError per refused record, the field named as the source numbers it."""
    refused: dict[int, RecordError] = {}
    if not hasattr(error, "error_dict"):
        return refused
    for key, messages in error.message_dict.items():
        head, _, field = key.partition("].")
        if not head.startswith("[") or not head[1:].isdigit():
            return {}
        index = int(head.removeprefix("["))
        if index in refused:
            continue
        if field.startswith("entries["):
            given, _, rest = field.removeprefix("entries[").partition("].")
            field = f"entries[{positions[index][int(given)]}].{rest}"
        refused[index] = RecordError(record=records[index].label, field=field, message=" ".join(messages))
    return refused
