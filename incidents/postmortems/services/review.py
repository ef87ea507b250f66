"""The review workflow: reviewers, then draft -> in review -> approved -> published, and back.

Like the draft's writes (drafts.py), each step locks the postmortem row first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import Status
from incidents.events import IncidentEventName, incident_event_emit
from incidents.jobs import job_enqueue
from incidents.models import Incident
from incidents.permissions import can_edit_incident, can_view_incident
from incidents.postmortems.choices import (
    REQUIRED_SECTIONS,
    PostmortemStatus,
    ReviewDecision,
    RevisionKind,
)
from incidents.postmortems.hooks import incident_template
from incidents.postmortems.models import Postmortem, Review, Revision, Section
from incidents.postmortems.services.drafts import lock_for_update, require_draft_editable
from incidents.services import incident_update
from incidents.services.common import actor_or_none, require_edit, resolve_user
from timeline.actors import Actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Handled by incidents.reminders: the named reviewer is notified (in-app at once, email and webhook
# outside their quiet hours).
REVIEWER_NAMED_JOB = "reminders.postmortem_reviewer_named"


def section_writers(postmortem: Postmortem) -> set[int]:
    """Return the ids of everyone who wrote in the postmortem's sections (saves, hand edits)."""
    saved = Revision.objects.filter(postmortem=postmortem, kind=RevisionKind.SAVE, author__isnull=False)
    edited = Section.objects.filter(postmortem=postmortem, edited_by__isnull=False)
    return set(saved.values_list("author_id", flat=True)) | set(edited.values_list("edited_by_id", flat=True))


def _reviewer_refusal(user: User, postmortem: Postmortem) -> str | None:
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
def reviewers_set(*, postmortem: Postmortem, actor: Actor, reviewers: Iterable[Any]) -> Postmortem:
    """Name the people who review the postmortem (by username) and tell each new one.

    A reviewer must be able to edit the incident and must not have written any of the postmortem.
    """
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
    require_draft_editable(postmortem)
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


def required_section_keys(postmortem: Postmortem) -> list[str]:
    """The sections that must say something before review: those its incident's own template
    (its type's, hooks.py) marks required, else the default ones (PRODUCT.md)."""
    own = incident_template(postmortem.incident)
    if own is not None:
        return [section.key for section in own if section.required]
    return list(REQUIRED_SECTIONS)


def missing_sections(postmortem: Postmortem) -> list[Section]:
    """Return the required sections that are still empty (or only hold their prompt)."""
    required = required_section_keys(postmortem)
    sections = {s.key: s for s in postmortem.sections.filter(key__in=required)}
    return [sections[key] for key in required if key in sections and sections[key].is_empty]


@transaction.atomic
def postmortem_submit(
    *, postmortem: Postmortem, actor: Actor, reviewers: Iterable[Any] | None = None
) -> Postmortem:
    """Send the draft for review; refused while a required section is empty (naming which)."""
    require_edit(actor, postmortem.incident)
    if reviewers is not None:
        reviewers_set(postmortem=postmortem, actor=actor, reviewers=reviewers)
    postmortem = lock_for_update(postmortem)
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


def _require_reviewer(postmortem: Postmortem, actor: Actor, *, approving: bool) -> None:
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


def approval_refusal(*, postmortem: Postmortem, user: Actor) -> str | None:
    """Why `user`, who may review, may still not approve: they sent it or wrote part of it."""
    if user is None or not user.is_authenticated:
        return "Sign in to approve."
    if user.pk == postmortem.submitted_by_id:
        return "You sent this postmortem for review: someone else must approve it."
    if user.pk in section_writers(postmortem):
        return "You wrote part of this postmortem: someone else must approve it."
    return None


@transaction.atomic
def postmortem_approve(*, postmortem: Postmortem, actor: Actor, comment: str = "") -> Postmortem:
    """Record an approval; the postmortem is approved once every named reviewer has approved."""
    postmortem = lock_for_update(postmortem)
    _require_reviewer(postmortem, actor, approving=True)
    if postmortem.status != PostmortemStatus.IN_REVIEW:
        raise ValidationError(
            {"status": f"Only a postmortem in review can be approved (this one is {postmortem.status})."}
        )
    Review.objects.create(
        postmortem=postmortem,
        reviewer=actor_or_none(actor),
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
def postmortem_request_changes(*, postmortem: Postmortem, actor: Actor, comment: str) -> Postmortem:
    """Send the postmortem back to draft with what needs to change."""
    postmortem = lock_for_update(postmortem)
    _require_reviewer(postmortem, actor, approving=False)
    if postmortem.status not in (PostmortemStatus.IN_REVIEW, PostmortemStatus.APPROVED):
        raise ValidationError(
            {"status": f"Only a postmortem in review can be sent back (this one is {postmortem.status})."}
        )
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationError({"comment": "Say what should change."})
    Review.objects.create(
        postmortem=postmortem,
        reviewer=actor_or_none(actor),
        decision=ReviewDecision.CHANGES_REQUESTED,
        comment=comment.strip(),
        revision_number=postmortem.revision_number,
    )
    postmortem.status = PostmortemStatus.DRAFT
    postmortem.save(update_fields=["status", "updated_at"])
    return postmortem


@transaction.atomic
def postmortem_publish(*, postmortem: Postmortem, actor: Actor, public: bool | None = None) -> Postmortem:
    """Publish an approved postmortem; it is read-only from now on until reopened."""
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
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
def postmortem_reopen(*, postmortem: Postmortem, actor: Actor) -> Postmortem:
    """Take the postmortem back to draft so it can be edited again.

    A closed incident needs a published postmortem, so reopening the postmortem of a closed
    incident moves the incident back to `resolved` (with its system timeline entry).
    """
    require_edit(actor, postmortem.incident)
    postmortem = lock_for_update(postmortem)
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
def postmortem_set_public(*, postmortem: Postmortem, actor: Actor, public: bool) -> Postmortem:
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
