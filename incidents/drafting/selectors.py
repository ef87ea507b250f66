"""Reads of AI drafts, scoped by the incident's privacy rule."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from incidents.drafting.choices import DRAFTABLE_SECTIONS, OPEN_STATUSES
from incidents.drafting.models import SectionDraft
from incidents.postmortems.models import Postmortem
from incidents.query import MAX_ROW_ID


def draft_list(
    *, user: Any, postmortem: Postmortem, section_key: str | None = None
) -> QuerySet[SectionDraft]:
    """Return the postmortem's drafts the user may see, newest first."""
    drafts = SectionDraft.objects.visible_to(user).filter(postmortem=postmortem).select_related("created_by")
    return drafts.filter(section_key=section_key) if section_key else drafts


def draft_get(*, user: Any, postmortem: Postmortem, pk: int) -> SectionDraft | None:
    if not 0 < pk <= MAX_ROW_ID:
        return None  # not a row id (the database would refuse to compare it)
    return draft_list(user=user, postmortem=postmortem).filter(pk=pk).first()


def open_drafts(*, user: Any, postmortem: Postmortem, section_key: str) -> list[SectionDraft]:
    """The drafts the editor shows beside a section: being written, or waiting for the author,
    and the latest failure (so an error is seen once)."""
    if section_key not in DRAFTABLE_SECTIONS:
        return []
    rows = list(draft_list(user=user, postmortem=postmortem, section_key=section_key)[:10])
    shown = [draft for draft in rows if draft.status in OPEN_STATUSES]
    if rows and rows[0].status == "failed":
        shown.insert(0, rows[0])
    return shown
