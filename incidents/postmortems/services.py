"""Writes to postmortems: generation, saves, refreshes, reviewers and the review workflow.

Every write locks the postmortem row first, so a generation job and a person saving a section
never interleave; every generation that changes something and every save is a revision.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.exceptions import ConflictError
from incidents.jobs import job_enqueue
from incidents.models import Incident, Job
from incidents.permissions import can_edit_incident, can_view_incident
from incidents.postmortems.choices import (
    DEFAULT_SECTIONS,
    GENERATED_KEYS,
    REQUIRED_SECTIONS,
    SEEDED_FROM_INCIDENT,
    PostmortemStatus,
    ReviewDecision,
    RevisionKind,
    SectionSource,
)
from incidents.postmortems.generation import build_bodies, due_date_for, load_record, seeded_body
from incidents.postmortems.models import Postmortem, Review, Revision, Section, SectionTemplate
from incidents.services import incident_update
from incidents.services.common import actor_or_none, require_edit, resolve_user

GENERATE_JOB = "postmortems.generate"
# Handled by incidents.reminders: the named reviewer is notified (in-app at once, email and webhook
# outside their quiet hours).
REVIEWER_NAMED_JOB = "reminders.postmortem_reviewer_named"
# Sections hold Markdown; the appendix of a long incident is large, so the limit is generous.
MAX_SECTION_LENGTH = 5_000_000


def _template_rows() -> list[SectionTemplate]:
    """The enabled template sections; the built-in defaults if the template table is empty."""
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
            for position, row in enumerate(_template_rows()):
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
    postmortem: Postmortem, *, kind: str, reason: str, actor: Any, sections: Iterable[Section] | None = None
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


def _lock(postmortem: Postmortem) -> Postmortem:
    return Postmortem.objects.select_for_update().select_related("incident").get(pk=postmortem.pk)


def postmortem_generate(*, incident_id: int, actor: Any = None, reason: str = "") -> dict[str, Any]:
    """Rebuild the generated sections from the record. Idempotent: no change, no revision.

    Sections a person edited are kept; when the record has changed since, they are flagged stale.
    A published postmortem is not touched until it is reopened.
    """
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return {"skipped": "the incident no longer exists"}
    postmortem = postmortem_ensure(incident=incident)
    with transaction.atomic():
        postmortem = _lock(postmortem)
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
        revision = _add_revision(
            postmortem,
            kind=RevisionKind.GENERATION,
            reason=reason or "generated from the record",
            actor=actor,
            sections=sections,
        )
        return {"changed": True, "revision": revision.number, "sections": [s.key for s in changed]}


def postmortem_generate_request(*, incident: Incident, actor: Any, reason: str = "requested") -> Job:
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


def _require_draft_editable(postmortem: Postmortem) -> None:
    if postmortem.is_published:
        raise ValidationError({"status": "This postmortem is published and read-only; reopen it to edit."})


@transaction.atomic
def section_update(
    *,
    postmortem: Postmortem,
    key: str,
    actor: Any,
    body: Any,
    expected_version: int | None = None,
) -> Section:
    """Save a person's text for one section. A stale `expected_version` raises ConflictError."""
    require_edit(actor, postmortem.incident)
    postmortem = _lock(postmortem)
    _require_draft_editable(postmortem)
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


def _draft_section(postmortem: Postmortem, key: str, actor: Any) -> tuple[Postmortem, Section]:
    """Check the actor may edit, lock the postmortem, require a draft and find the section by key
    (Section.DoesNotExist when there is none). Call inside the caller's transaction."""
    require_edit(actor, postmortem.incident)
    postmortem = _lock(postmortem)
    _require_draft_editable(postmortem)
    section = postmortem.sections.filter(key=key).first()
    if section is None:
        raise Section.DoesNotExist(key)
    return postmortem, section


@transaction.atomic
def section_refresh(*, postmortem: Postmortem, key: str, actor: Any) -> Section:
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
def section_keep(*, postmortem: Postmortem, key: str, actor: Any) -> Section:
    """Keep the hand-edited text and clear the stale flag (the author has checked it)."""
    _, section = _draft_section(postmortem, key, actor)
    if section.stale:
        section.stale = False
        section.save(update_fields=["stale"])
    return section


def section_writers(postmortem: Postmortem) -> set[int]:
    """Return the ids of everyone who wrote in the postmortem's sections (saves, hand edits)."""
    saved = Revision.objects.filter(postmortem=postmortem, kind=RevisionKind.SAVE, author__isnull=False)
    edited = Section.objects.filter(postmortem=postmortem, edited_by__isnull=False)
    return set(saved.values_list("author_id", flat=True)) | set(edited.values_list("edited_by_id", flat=True))


def _reviewer_refusal(user: Any, postmortem: Postmortem) -> str | None:
    """Why `user` may not be named reviewer of this postmortem, or None if they may."""
    name = user.get_username()
    if not can_view_incident(user, postmortem.incident):
        return f"{name} cannot see this incident."
    if not can_edit_incident(user, postmortem.incident):
        return f"{name} cannot edit this incident (viewers do not review postmortems)."
    if user.pk in section_writers(postmortem):
        return f"{name} wrote part of this postmortem and cannot review it."
    return None


@transaction.atomic
def reviewers_set(*, postmortem: Postmortem, actor: Any, reviewers: Iterable[Any]) -> Postmortem:
    """Name the people who review the postmortem (by username) and tell each new one.

    A reviewer must be able to edit the incident and must not have written any of the postmortem.
    """
    require_edit(actor, postmortem.incident)
    postmortem = _lock(postmortem)
    _require_draft_editable(postmortem)
    if isinstance(reviewers, str):
        reviewers = [name for name in reviewers.replace(",", " ").split() if name]
    users = []
    for value in reviewers:
        user = resolve_user(value, field="reviewers")
        if user is None:
            continue
        refusal = _reviewer_refusal(user, postmortem)
        if refusal is not None:
            raise ValidationError({"reviewers": refusal})
        if user not in users:
            users.append(user)
    already = set(postmortem.reviewers.values_list("pk", flat=True))
    postmortem.reviewers.set(users)
    acting = actor_or_none(actor)
    named_at = timezone.now().isoformat()
    for user in users:
        if user.pk not in already and user.pk != getattr(acting, "pk", None):
            job_enqueue(
                name=REVIEWER_NAMED_JOB,
                kwargs={
                    "postmortem_id": postmortem.pk,
                    "reviewer_id": user.pk,
                    "named_at": named_at,
                    "named_by": acting.get_username() if acting is not None else "",
                },
                incident_id=postmortem.incident_id,
                actor=actor,
            )
    return postmortem


def missing_sections(postmortem: Postmortem) -> list[Section]:
    """Return the required sections that are still empty (or only hold their prompt)."""
    sections = {s.key: s for s in postmortem.sections.filter(key__in=REQUIRED_SECTIONS)}
    return [sections[key] for key in REQUIRED_SECTIONS if key in sections and sections[key].is_empty]


@transaction.atomic
def postmortem_submit(
    *, postmortem: Postmortem, actor: Any, reviewers: Iterable[Any] | None = None
) -> Postmortem:
    """Send the draft for review; refused while a required section is empty (naming which)."""
    require_edit(actor, postmortem.incident)
    if reviewers is not None:
        reviewers_set(postmortem=postmortem, actor=actor, reviewers=reviewers)
    postmortem = _lock(postmortem)
    if postmortem.status != PostmortemStatus.DRAFT:
        raise ValidationError(
            {"status": f"Only a draft can be sent for review (this one is {postmortem.status})."}
        )
    missing = missing_sections(postmortem)
    if missing:
        errors: dict[str, Any] = {s.key: f"Write the {s.title.lower()} before review." for s in missing}
        errors["sections"] = "Still empty: " + ", ".join(s.key for s in missing) + "."
        raise ValidationError(errors)
    submitter = actor_or_none(actor)
    if submitter is not None and postmortem.reviewers.filter(pk=submitter.pk).exists():
        raise ValidationError(
            {"reviewers": "You cannot review a postmortem you send for review: name someone else."}
        )
    postmortem.status = PostmortemStatus.IN_REVIEW
    postmortem.submitted_at = timezone.now()
    postmortem.submitted_by = submitter
    postmortem.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    return postmortem


def _require_reviewer(postmortem: Postmortem, actor: Any, *, approving: bool) -> None:
    """Named reviewers review; with nobody named, anyone else who may edit the incident can.

    Whoever sent the postmortem for review, and anyone who wrote a section, never approves it:
    review means someone else looked.
    """
    user = actor_or_none(actor)
    if user is None or not can_edit_incident(user, postmortem.incident):
        raise PermissionDenied("You may not review this postmortem.")
    named = postmortem.reviewers.all()
    if named.exists() and not named.filter(pk=user.pk).exists():
        raise PermissionDenied("Only the named reviewers can review this postmortem.")
    if approving:
        refusal = approval_refusal(postmortem=postmortem, user=user)
        if refusal is not None:
            raise PermissionDenied(refusal)


def approval_refusal(*, postmortem: Postmortem, user: Any) -> str | None:
    """Why `user`, who may review, may still not approve: they sent it or wrote part of it."""
    if user.pk == postmortem.submitted_by_id:
        return "You sent this postmortem for review: someone else must approve it."
    if user.pk in section_writers(postmortem):
        return "You wrote part of this postmortem: someone else must approve it."
    return None


@transaction.atomic
def postmortem_approve(*, postmortem: Postmortem, actor: Any, comment: str = "") -> Postmortem:
    """Record an approval; the postmortem is approved once every named reviewer has approved."""
    postmortem = _lock(postmortem)
    _require_reviewer(postmortem, actor, approving=True)
    if postmortem.status != PostmortemStatus.IN_REVIEW:
        raise ValidationError(
            {"status": f"Only a postmortem in review can be approved (this one is {postmortem.status})."}
        )
    Review.objects.create(
        postmortem=postmortem,
        reviewer=actor,
        decision=ReviewDecision.APPROVED,
        comment=(comment or "").strip(),
        revision_number=postmortem.revision_number,
    )
    named = set(postmortem.reviewers.values_list("pk", flat=True))
    approved = set(
        Review.objects.filter(
            postmortem=postmortem, decision=ReviewDecision.APPROVED, created_at__gte=postmortem.submitted_at
        ).values_list("reviewer_id", flat=True)
    )
    if named <= approved:
        postmortem.status = PostmortemStatus.APPROVED
        postmortem.save(update_fields=["status", "updated_at"])
    return postmortem


@transaction.atomic
def postmortem_request_changes(*, postmortem: Postmortem, actor: Any, comment: str) -> Postmortem:
    """Send the postmortem back to draft with what needs to change."""
    postmortem = _lock(postmortem)
    _require_reviewer(postmortem, actor, approving=False)
    if postmortem.status not in (PostmortemStatus.IN_REVIEW, PostmortemStatus.APPROVED):
        raise ValidationError(
            {"status": f"Only a postmortem in review can be sent back (this one is {postmortem.status})."}
        )
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationError({"comment": "Say what should change."})
    Review.objects.create(
        postmortem=postmortem,
        reviewer=actor,
        decision=ReviewDecision.CHANGES_REQUESTED,
        comment=comment.strip(),
        revision_number=postmortem.revision_number,
    )
    postmortem.status = PostmortemStatus.DRAFT
    postmortem.save(update_fields=["status", "updated_at"])
    return postmortem


@transaction.atomic
def postmortem_publish(*, postmortem: Postmortem, actor: Any, public: bool | None = None) -> Postmortem:
    """Publish an approved postmortem; it is read-only from now on until reopened."""
    require_edit(actor, postmortem.incident)
    postmortem = _lock(postmortem)
    if postmortem.status != PostmortemStatus.APPROVED:
        raise ValidationError(
            {"status": f"Only an approved postmortem can be published (this one is {postmortem.status})."}
        )
    postmortem.status = PostmortemStatus.PUBLISHED
    postmortem.published_at = timezone.now()
    if public is not None:
        postmortem.public = bool(public)
    postmortem.save(update_fields=["status", "published_at", "public", "updated_at"])
    incident_event_emit(
        name=IncidentEventName.POSTMORTEM_PUBLISHED,
        incident=postmortem.incident,
        actor=actor,
        key=f"postmortem:{postmortem.pk}:published:{postmortem.published_at:%Y%m%dT%H%M%S%f}",
        detail={"public": postmortem.public},
    )
    return postmortem


@transaction.atomic
def postmortem_reopen(*, postmortem: Postmortem, actor: Any) -> Postmortem:
    """Take the postmortem back to draft so it can be edited again.

    A closed incident needs a published postmortem, so reopening the postmortem of a closed
    incident moves the incident back to `resolved` (with its system timeline entry).
    """
    require_edit(actor, postmortem.incident)
    postmortem = _lock(postmortem)
    if postmortem.status == PostmortemStatus.DRAFT:
        raise ValidationError({"status": "This postmortem is already a draft."})
    postmortem.status = PostmortemStatus.DRAFT
    postmortem.published_at = None
    postmortem.save(update_fields=["status", "published_at", "updated_at"])
    if postmortem.incident.status == Status.CLOSED:
        incident_update(incident=postmortem.incident, actor=actor, data={"status": Status.RESOLVED})
        postmortem.incident.refresh_from_db()
    return postmortem


@transaction.atomic
def postmortem_set_public(*, postmortem: Postmortem, actor: Any, public: bool) -> Postmortem:
    """Choose whether the published postmortem shows on the public status page."""
    require_edit(actor, postmortem.incident)
    Postmortem.objects.filter(pk=postmortem.pk).update(public=bool(public), updated_at=timezone.now())
    postmortem.refresh_from_db()
    return postmortem


def close_check(incident: Incident) -> str | None:
    """An incident closes only once its postmortem is published (PRODUCT.md: closed)."""
    if Postmortem.objects.filter(incident=incident, status=PostmortemStatus.PUBLISHED).exists():
        return None
    return "Publish the postmortem before closing the incident."


def user_for_id(user_id: Any) -> Any:
    if not user_id:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
