"""Writes of AI drafts: ask for one, run the model (the outbox job), accept or dismiss it.

A draft is a suggestion beside a section, never the section: accepting copies it in through the
postmortem's own `section_update`, which writes a revision exactly as a person's save does.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.conf import hindsight_setting
from incidents.drafting.checks import check_draft, linked_markdown
from incidents.drafting.choices import DRAFTABLE_SECTIONS, DraftStatus
from incidents.drafting.client import ModelCallFailure, chat_completion, model_endpoint
from incidents.drafting.models import SectionDraft
from incidents.drafting.prompt import build_messages
from incidents.drafting.record import build_record
from incidents.jobs import TransientJobError, job_enqueue
from incidents.models import Incident
from incidents.permissions import can_edit_incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import MAX_SECTION_LENGTH, section_update
from incidents.selectors import people_names
from incidents.services.common import actor_or_none, require_edit

logger = logging.getLogger(__name__)

DRAFT_JOB = "drafting.draft_section"
OFF_MESSAGE = (
    "Drafting with an AI model is off. An admin turns it on by setting HINDSIGHT_LLM_BASE_URL and "
    "HINDSIGHT_LLM_MODEL (see the README, “Drafting with an AI model”)."
)
PRIVATE_MESSAGE = (
    "This incident is private and the AI model's endpoint is not marked local "
    "(HINDSIGHT_LLM_LOCAL), so its record is never sent to the model."
)
GONE_MESSAGE = "The person who asked for this draft may no longer edit the incident."


class DraftingOff(Exception):
    """Drafting is not configured: no model to send anything to."""

    def __str__(self) -> str:
        return OFF_MESSAGE


def drafting_refusal(*, incident: Incident) -> str | None:
    """Why this incident's record may not be sent to the model now, or None when it may."""
    endpoint = model_endpoint()
    if endpoint is None:
        return OFF_MESSAGE
    if incident.private and not endpoint.local:
        return PRIVATE_MESSAGE
    return None


def draft_request(*, postmortem: Postmortem, section_key: Any, actor: Any) -> SectionDraft:
    """Queue a draft of one section (the model is called by a worker after commit).

    Asking again while a draft of that section is still being written returns that one.
    """
    incident = postmortem.incident
    require_edit(actor, incident)
    if model_endpoint() is None:
        raise DraftingOff
    if incident.private and drafting_refusal(incident=incident):
        raise ValidationError({"incident": PRIVATE_MESSAGE})
    if not isinstance(section_key, str) or section_key not in DRAFTABLE_SECTIONS:
        raise ValidationError({"section": f"Choose one of {', '.join(DRAFTABLE_SECTIONS)}."})
    with transaction.atomic():
        # The postmortem's row lock makes a double click queue one draft, not two.
        locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        if locked.is_published:
            raise ValidationError({"status": "This postmortem is published; reopen it to draft sections."})
        if not locked.sections.filter(key=section_key).exists():
            raise ValidationError({"section": f"This postmortem has no “{section_key}” section."})
        existing = SectionDraft.objects.filter(
            postmortem=locked, section_key=section_key, status=DraftStatus.DRAFTING
        ).first()
        if existing is not None:
            return existing
        draft = SectionDraft.objects.create(
            postmortem=locked, section_key=section_key, created_by=actor_or_none(actor)
        )
        draft.job = job_enqueue(
            name=DRAFT_JOB, kwargs={"draft_id": draft.pk}, incident_id=incident.pk, actor=actor
        )
        draft.save(update_fields=["job"])
        return draft


def _settle(draft: SectionDraft, **values: Any) -> int:
    """Write the outcome if the draft is still being written (a second run finds it done)."""
    return SectionDraft.objects.filter(pk=draft.pk, status=DraftStatus.DRAFTING).update(
        finished_at=timezone.now(), **values
    )


def draft_run(*, draft_id: int) -> dict[str, Any]:
    """Send the record to the model, check its answer and keep it as a suggestion (the job's body).

    Safe to run twice: a draft no longer `drafting` is left alone. A failure worth retrying raises
    TransientJobError (the task retries with backoff) until LLM_MAX_ATTEMPTS; then it is recorded.
    """
    draft = (
        SectionDraft.objects.select_related("postmortem__incident", "created_by").filter(pk=draft_id).first()
    )
    if draft is None:
        return {"status": "gone"}
    if draft.status != DraftStatus.DRAFTING:
        return {"status": draft.status}
    incident = draft.postmortem.incident
    requester = draft.created_by
    endpoint = model_endpoint()
    # Checked again here: drafting may have been switched off, or the incident made private, since.
    refusal = drafting_refusal(incident=incident)
    if refusal is None and (requester is None or not can_edit_incident(requester, incident)):
        refusal = GONE_MESSAGE
    if refusal is not None or endpoint is None:
        _settle(draft, status=DraftStatus.FAILED, error=refusal or OFF_MESSAGE)
        return {"status": DraftStatus.FAILED, "error": refusal}
    record = build_record(
        user=requester, incident=incident, max_entries=int(hindsight_setting("LLM_MAX_RECORD_ITEMS"))
    )
    section = draft.postmortem.sections.filter(key=draft.section_key).first()
    messages = build_messages(
        record, section_key=draft.section_key, section_title=section.title if section else draft.section_key
    )
    attempts = draft.attempts + 1
    SectionDraft.objects.filter(pk=draft.pk).update(attempts=F("attempts") + 1)
    try:
        answer, model_name = chat_completion(endpoint, messages)
    except ModelCallFailure as failure:
        if not failure.retryable or attempts >= endpoint.max_attempts:
            error = f"The model gave no usable answer after {attempts} attempt(s): {failure}"
            _settle(draft, status=DraftStatus.FAILED, error=error[:2000])
            logger.warning("AI draft %s failed: %s", draft.pk, failure)
            raise RuntimeError(error) from failure
        SectionDraft.objects.filter(pk=draft.pk, status=DraftStatus.DRAFTING).update(
            error=f"Attempt {attempts} failed, trying again: {failure}"[:2000]
        )
        raise TransientJobError(f"attempt {attempts} failed: {failure}") from failure
    checked = check_draft(answer, known=record.items, causes=record.causes(), people=people_names())
    outcome = {
        "text": checked.text,
        "citations": {ident: record.items[ident].citation() for ident in checked.cited},
        "removed": [removal.as_dict() for removal in checked.removed],
        "flags": checked.flags,
        "raw_response": answer[:MAX_SECTION_LENGTH],
        "model_name": model_name[:200],
    }
    if not checked.text.strip():
        error = "Nothing of the model's answer passed the checks: no sentence cited this incident's record."
        _settle(draft, status=DraftStatus.FAILED, error=error, **outcome)
        return {"status": DraftStatus.FAILED, "removed": len(checked.removed)}
    _settle(draft, status=DraftStatus.PENDING, error="", **outcome)
    return {"status": DraftStatus.PENDING, "sentences_removed": len(checked.removed)}


def _decide(draft: SectionDraft, actor: Any) -> SectionDraft:
    """Lock the draft, check the actor may edit and that the author has still to decide on it."""
    locked = SectionDraft.objects.select_for_update().select_related("postmortem__incident").get(pk=draft.pk)
    require_edit(actor, locked.postmortem.incident)
    if locked.status != DraftStatus.PENDING:
        raise ValidationError(
            {"status": f"This draft is {locked.get_status_display().lower()}; there is nothing to decide."}
        )
    return locked


@transaction.atomic
def draft_accept(*, draft: SectionDraft, actor: Any, text: Any = None) -> SectionDraft:
    """Copy the draft (or the author's edit of it) into its section: a revision, like any save."""
    draft = _decide(draft, actor)
    if text is None:
        body = linked_markdown(draft.text, draft.citations)
    elif not isinstance(text, str) or not text.strip():
        raise ValidationError({"text": "Give the section's text, or accept the draft as it is."})
    else:
        body = text
    section_update(postmortem=draft.postmortem, key=draft.section_key, actor=actor, body=body)
    draft.postmortem.refresh_from_db(fields=["revision_number"])
    draft.status = DraftStatus.ACCEPTED
    draft.decided_by = actor_or_none(actor)
    draft.decided_at = timezone.now()
    draft.revision_number = draft.postmortem.revision_number
    draft.save(update_fields=["status", "decided_by", "decided_at", "revision_number"])
    return draft


@transaction.atomic
def draft_dismiss(*, draft: SectionDraft, actor: Any) -> SectionDraft:
    """Set the draft aside; the section is not touched."""
    draft = _decide(draft, actor)
    draft.status = DraftStatus.DISMISSED
    draft.decided_by = actor_or_none(actor)
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "decided_by", "decided_at"])
    return draft
