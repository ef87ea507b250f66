"""Writes to the draft: creating it from the template, generating it from the record, saving sections.

Every write locks the postmortem row first, so a generation job and a person saving a section
never interleave; every generation that changes something and every save is a revision.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.exceptions import ConflictError
from incidents.jobs import job_enqueue
from incidents.models import Incident, Job
from incidents.postmortems.choices import (
    DEFAULT_SECTIONS,
    GENERATED_KEYS,
    SEEDED_FROM_INCIDENT,
    RevisionKind,
    SectionSource,
)
from incidents.postmortems.generation import build_bodies, due_date_for, load_record, seeded_body
from incidents.postmortems.hooks import incident_template
from incidents.postmortems.models import Postmortem, Review, Revision, Section, SectionTemplate
from incidents.search_index import index_incidents
from incidents.services.common import actor_or_none, require_edit
from timeline.actors import Actor

GENERATE_JOB = "postmortems.generate"
# Sections hold Markdown; the appendix of a long incident is large, so the limit is generous.
MAX_SECTION_LENGTH = 5_000_000


def _template_rows(incident: Incident) -> list[SectionTemplate]:
    """The incident's own template (its type's, hooks.py) if it has one; else the enabled
    sections of the default template, or the built-in defaults if that table is empty."""
    own = incident_template(incident)
    if own is not None:
        return [
            SectionTemplate(
                key=section.key,
                title=section.title,
                source=SectionSource.GENERATED if section.key in GENERATED_KEYS else SectionSource.AUTHORED,
                prompt=section.prompt,
                position=position,
            )
            for position, section in enumerate(own)
        ]
    rows = list(SectionTemplate.objects.filter(enabled=True).order_by("position", "id"))
    if rows or SectionTemplate.objects.exists():
        return rows
    return [
        SectionTemplate(key=key, title=title, source=source, prompt=prompt, position=position)
        for position, (key, title, source, prompt) in enumerate(DEFAULT_SECTIONS)
    ]


def postmortem_ensure(*, incident: Incident) -> Postmortem:
    """Return the incident's postmortem, creating it from the template (not yet generated)."""
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        postmortem, created = Postmortem.objects.get_or_create(
            incident=incident, defaults={"due_date": due_date_for(incident)}
        )
        if created:
            sections = []
            for position, row in enumerate(_template_rows(incident)):
                source = row.source if row.key in GENERATED_KEYS else SectionSource.AUTHORED
                if row.key in SEEDED_FROM_INCIDENT:
                    body = seeded_body(row.key, incident, row.prompt)
                elif source == SectionSource.AUTHORED:
                    body = row.prompt
                else:
                    body = ""
                sections.append(
                    Section(
                        postmortem=postmortem,
                        key=row.key,
                        title=row.title,
                        position=position,
                        source=source,
                        prompt=row.prompt,
                        body=body,
                        generated_body=body if row.key in SEEDED_FROM_INCIDENT else "",
                    )
                )
            Section.objects.bulk_create(sections)
            index_incidents([incident.pk], types=["postmortem_section"])  # bulk_create sends no post_save
    return postmortem


def _snapshot(sections: Iterable[Section]) -> list[dict[str, Any]]:
    return [
        {
            "key": section.key,
            "title": section.title,
            "source": section.source,
            "body": section.body,
            "edited": section.edited,
            "stale": section.stale,
        }
        for section in sorted(sections, key=lambda section: (section.position, section.pk or 0))
    ]


def _add_revision(
    postmortem: Postmortem, *, kind: str, reason: str, actor: Actor, sections: Iterable[Section] | None = None
) -> Revision:
    """Write the next revision (the caller holds the postmortem's row lock)."""
    number = postmortem.revision_number + 1
    revision = Revision.objects.create(
        postmortem=postmortem,
        number=number,
        kind=kind,
        reason=reason[:300],
        author=actor_or_none(actor),
        snapshot=_snapshot(sections if sections is not None else postmortem.sections.all()),
    )
    postmortem.revision_number = number
    postmortem.save(update_fields=["revision_number", "updated_at"])
    return revision


def lock_for_update(postmortem: Postmortem) -> Postmortem:
    """Return the postmortem re-read under its row lock (call inside a transaction)."""
    return Postmortem.objects.select_for_update().select_related("incident").get(pk=postmortem.pk)


def postmortem_generate(*, incident_id: int, actor: Actor = None, reason: str = "") -> dict[str, Any]:
    """Rebuild the generated sections from the record. Idempotent: no change, no revision.

    Sections a person edited are kept; when the record has changed since, they are flagged stale.
    A published postmortem is not touched until it is reopened.
    """
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return {"skipped": "the incident no longer exists"}
    postmortem = postmortem_ensure(incident=incident)
    with transaction.atomic():
        postmortem = lock_for_update(postmortem)
        if postmortem.is_published:
            return {"skipped": "published", "revision": postmortem.revision_number}
        sections = list(postmortem.sections.all())
        keys = [s.key for s in sections if s.key in GENERATED_KEYS or s.key in SEEDED_FROM_INCIDENT]
        prompts = {section.key: section.prompt for section in sections}
        bodies = build_bodies(load_record(postmortem.incident), keys, prompts)
        changed: list[Section] = []
        for section in sections:
            new = bodies.get(section.key)
            if new is None:
                continue
            if section.edited:
                if new != section.generated_body:
                    section.generated_body = new
                    # Only generated sections are compared with the record; an authored summary
                    # the author rewrote is theirs.
                    section.stale = section.stale or section.source == SectionSource.GENERATED
                    changed.append(section)
            elif new != section.body or new != section.generated_body:
                section.body = new
                section.generated_body = new
                section.version += 1
                changed.append(section)
        update_fields: list[str] = ["last_generated_at", "updated_at"]
        postmortem.last_generated_at = timezone.now()
        due = due_date_for(postmortem.incident)
        if due != postmortem.due_date:
            postmortem.due_date = due
            update_fields.append("due_date")
        postmortem.save(update_fields=update_fields)
        if not changed:
            return {"changed": False, "revision": postmortem.revision_number}
        Section.objects.bulk_update(changed, ["body", "generated_body", "stale", "version"])
        index_incidents([postmortem.incident_id], types=["postmortem_section"])  # bulk_update: no post_save
        revision = _add_revision(
            postmortem,
            kind=RevisionKind.GENERATION,
            reason=reason or "generated from the record",
            actor=actor,
            sections=sections,
        )
        return {"changed": True, "revision": revision.number, "sections": [s.key for s in changed]}


def postmortem_generate_request(*, incident: Incident, actor: Actor, reason: str = "requested") -> Job:
    """Queue generation (it runs on a worker after this transaction commits); return the job."""
    require_edit(actor, incident)
    postmortem = Postmortem.objects.filter(incident=incident).only("status").first()
    if postmortem is not None and postmortem.is_published:
        raise ValidationError({"status": "This postmortem is published; reopen it before regenerating."})
    user = actor_or_none(actor)
    return job_enqueue(
        name=GENERATE_JOB,
        kwargs={"incident_id": incident.pk, "reason": reason, "actor_id": user.pk if user else None},
        incident_id=incident.pk,
        actor=actor,
    )


def require_draft_editable(postmortem: Postmortem) -> None:
    """Refuse edits to a published postmortem."""
    if postmortem.is_published:
        raise ValidationError({"status": "This postmortem is published and read-only; reopen it to edit."})


@transaction.atomic
def section_update(
    *,
    postmortem: Postmortem,
    key: str,
    actor: Actor,
    body: Any,
    expected_version: int | None = None,
) -> Section:
    """Save a person's text for one section. A stale `expected_version` raises ConflictError."""
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
    require_draft_editable(postmortem)
    if not isinstance(body, str):
        raise ValidationError({"body": "Give the section's Markdown as text."})
    if len(body) > MAX_SECTION_LENGTH:
        raise ValidationError({"body": f"Keep a section under {MAX_SECTION_LENGTH} characters."})
    section = postmortem.sections.filter(key=key).first()
    if section is None:
        raise Section.DoesNotExist(key)
    if expected_version is not None and int(expected_version) != section.version:
        raise ConflictError(section.version)
    if body == section.body and section.edited:
        return section
    section.body = body
    section.edited = True
    section.edited_by = actor_or_none(actor)
    section.edited_at = timezone.now()
    section.version += 1
    section.save()
    user = actor_or_none(actor)
    _add_revision(
        postmortem,
        kind=RevisionKind.SAVE,
        reason=f"{user.get_username() if user else 'Hindsight'} edited {section.title}",
        actor=actor,
    )
    return section


def _draft_section(postmortem: Postmortem, key: str, actor: Actor) -> tuple[Postmortem, Section]:
    """Check the actor may edit, lock the postmortem, require a draft and find the section by key
    (Section.DoesNotExist when there is none). Call inside the caller's transaction."""
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
    require_draft_editable(postmortem)
    section = postmortem.sections.filter(key=key).first()
    if section is None:
        raise Section.DoesNotExist(key)
    return postmortem, section


@transaction.atomic
def section_refresh(*, postmortem: Postmortem, key: str, actor: Actor) -> Section:
    """Replace a hand-edited section with a fresh build from the record (the author's choice)."""
    postmortem, section = _draft_section(postmortem, key, actor)
    if section.key not in GENERATED_KEYS and section.key not in SEEDED_FROM_INCIDENT:
        raise ValidationError({"key": "Only sections built from the record can be refreshed."})
    body = build_bodies(load_record(postmortem.incident), [section.key], {section.key: section.prompt})[
        section.key
    ]
    section.body = body
    section.generated_body = body
    section.edited = False
    section.stale = False
    section.version += 1
    section.save()
    _add_revision(
        postmortem,
        kind=RevisionKind.REFRESH,
        reason=f"{section.title} refreshed from the record",
        actor=actor,
    )
    return section


@transaction.atomic
def section_keep(*, postmortem: Postmortem, key: str, actor: Actor) -> Section:
    """Keep the hand-edited text and clear the stale flag (the author has checked it)."""
    _, section = _draft_section(postmortem, key, actor)
    if section.stale:
        section.stale = False
        section.save(update_fields=["stale"])
    return section


@transaction.atomic
def postmortem_sections_replace(
    *, postmortem: Postmortem, bodies: dict[str, str], reason: str, actor: Actor = None
) -> Revision | None:
    """Write section bodies that came from outside (Git), as one `import` revision; None if unchanged.

    For sync writers, published or not: the caller decided the text may replace Hindsight's (no
    edit since the last sync, or a person chose it). An empty body leaves an empty section alone."""
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
    sections = list(postmortem.sections.all())
    changed: list[Section] = []
    for section in sections:
        body = bodies.get(section.key)
        if body is None or body.strip() == section.body.strip() or (not body.strip() and section.is_empty):
            continue
        if len(body) > MAX_SECTION_LENGTH:
            raise ValidationError({section.key: f"Keep a section under {MAX_SECTION_LENGTH} characters."})
        section.body = body
        section.edited = True
        section.edited_by = actor_or_none(actor)
        section.edited_at = timezone.now()
        section.version += 1
        changed.append(section)
    if not changed:
        return None
    Section.objects.bulk_update(changed, ["body", "edited", "edited_by", "edited_at", "version"])
    return _add_revision(postmortem, kind=RevisionKind.IMPORT, reason=reason, actor=actor, sections=sections)


@transaction.atomic
def postmortem_restore(
    *,
    incident: Incident,
    actor: Actor,
    values: dict[str, Any],
    reviewers: Iterable[Any],
    sections: Iterable[Section],
    reviews: Iterable[Review],
    origin: str,
) -> Postmortem:
    """Create the postmortem of a restored incident as it was exported, with one `import` revision.

    `sections` and `reviews` are unsaved rows; this gives them the new postmortem."""
    postmortem = Postmortem.objects.create(incident=incident, revision_number=0, **values)
    postmortem.reviewers.set([user for user in reviewers if user is not None])
    section_rows = list(sections)
    for row in section_rows:
        row.postmortem = postmortem
    Section.objects.bulk_create(section_rows)
    index_incidents([incident.pk], types=["postmortem_section"])  # bulk_create sends no post_save
    for review in reviews:
        review.postmortem = postmortem
        review.save()
    _add_revision(
        postmortem,
        kind=RevisionKind.IMPORT,
        reason=f"imported from {origin}",
        actor=actor,
        sections=section_rows,
    )
    return postmortem


def user_for_id(user_id: Any) -> Any:
    if not user_id:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
