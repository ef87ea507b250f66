"""Change events: deploys, configuration pushes, flag flips and infrastructure changes, from pipelines."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from incidents.choices import CauseCategory, CauseRole, CauseStatus
from incidents.models import Cause, ChangeEvent, ChangeKind, Incident
from incidents.services.causes import cause_add
from incidents.services.common import require_edit
from incidents.services.incidents import service_get_or_create
from timeline.actors import Actor
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add
from timeline.softdelete import restore


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    clean = " ".join(str(value or "").replace("\x00", "").split())
    if required and not clean:
        raise ValidationError({field: "This field may not be blank."})
    if len(clean) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return clean


@transaction.atomic
def change_event_record(
    *,
    service: str,
    summary: str,
    kind: str,
    at: datetime | None = None,
    url: str = "",
    author: str = "",
    source: str = "",
    external_id: str = "",
) -> ChangeEvent:
    """Record a change to `service` (created on first use); validate everything before saving.

    `external_id` is the sender's own id for it (unique per `source`): see `deployment_receive`."""
    errors: dict[str, str] = {}
    if kind not in ChangeKind.values:
        errors["kind"] = f"Choose one of {', '.join(ChangeKind.values)}."
    if at is not None and timezone.is_naive(at):
        errors["at"] = "Give a time with its offset, e.g. 2026-12-05T14:05:00Z."
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = "Give an http or https address."
    try:
        clean = {
            "summary": _text(summary, "summary", 500, required=True),
            "author": _text(author, "author", 200),
            "source": _text(source, "source", 100),
            "external_id": _text(external_id, "external_id", 200),
        }
        name = _text(service, "service", 100, required=True)
    except ValidationError as error:
        raise ValidationError({**errors, **error.message_dict}) from error
    if errors:
        raise ValidationError(errors)
    try:
        service_row = service_get_or_create(name)
    except ValidationError as error:
        raise ValidationError({"service": error.messages}) from error
    return ChangeEvent.objects.create(
        service=service_row, kind=kind, at=at or timezone.now(), url=url[:1000], **clean
    )


# ---------------------------------------------------------------- one click: change → suspected cause

CHANGE_EVIDENCE_PREFIX = "change:"


def change_evidence_id(change: ChangeEvent) -> str:
    """The `external_id` of the timeline entry that cites `change` (one per incident)."""
    return f"{CHANGE_EVIDENCE_PREFIX}{change.pk}"


def _change_words(change: ChangeEvent, *, author: bool) -> str:
    by = f" by {change.author}" if author and change.author else ""
    return f"{change.get_kind_display()} of {change.service.name}: {change.summary}{by}"


@transaction.atomic
def cause_from_change(*, incident: Incident, change: ChangeEvent, actor: Actor) -> tuple[Cause, bool]:
    """Suspect a change made shortly before (or during) the incident of triggering it.

    In one step: a timeline entry at the change's time naming it, and a `suspected` cause of category
    `change` (role `trigger`) citing that entry as evidence. Doing it again for the same change
    returns the cause it made (whatever its status now: a ruled-out change stays ruled out) and
    False; a new cause returns True.
    """
    require_edit(actor, incident)
    if not ChangeEvent.objects.near(incident).filter(pk=change.pk).exists():
        raise ValidationError(
            {"change": "This change is not one of the incident's: it is to another service, or too early."}
        )
    # Two clicks at once must not make two causes: the second waits for the first to commit.
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    external_id = change_evidence_id(change)
    existing = Cause.objects.filter(incident=incident, evidence__external_id=external_id).first()
    if existing is not None:
        return existing, False
    entry = TimelineEvent.all_objects.filter(incident=incident, external_id=external_id).first()
    if entry is None:
        link = f"\n\n<{change.url}>" if change.url else ""
        entry = timeline_event_add(
            incident=incident,
            actor=actor,
            kind=EventKind.NOTE,
            body=f"{_change_words(change, author=True)}{link}",
            occurred_at=change.at,
            # What the pipeline reported is the record of the change: its text is not edited here.
            source=EventSource.WEBHOOK,
            external_id=external_id,
        )
    elif entry.is_deleted:
        # The entry was deleted with the cause it supported; suspecting the change again brings it back.
        restore(entry, actor=actor)
    when = change.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    link = f" ({change.url})" if change.url else ""
    cause = cause_add(
        incident=incident,
        actor=actor,
        category=CauseCategory.CHANGE,
        role=CauseRole.TRIGGER,
        status=CauseStatus.SUSPECTED,
        # The change is suspected, not who shipped it: the author is in the evidence, not the cause.
        description=f"Suspected change at {when} — {_change_words(change, author=False)}{link}",
        evidence=[entry],
    )
    return cause, True
