"""Writes to postmortems: the draft (drafts.py) and its review (review.py).

Callers import from here; the two modules split the writes by purpose.
"""

from incidents.postmortems.services.drafts import (
    GENERATE_JOB,
    MAX_SECTION_LENGTH,
    postmortem_ensure,
    postmortem_generate,
    postmortem_generate_request,
    postmortem_restore,
    postmortem_sections_replace,
    section_keep,
    section_refresh,
    section_update,
    user_for_id,
)
from incidents.postmortems.services.flags import section_flag_dismiss
from incidents.postmortems.services.review import (
    REVIEWER_NAMED_JOB,
    approval_refusal,
    close_check,
    missing_sections,
    postmortem_approve,
    postmortem_publish,
    postmortem_reopen,
    postmortem_request_changes,
    postmortem_set_public,
    postmortem_submit,
    reviewers_set,
    section_writers,
)

__all__ = [
    "GENERATE_JOB",
    "MAX_SECTION_LENGTH",
    "REVIEWER_NAMED_JOB",
    "approval_refusal",
    "close_check",
    "missing_sections",
    "postmortem_approve",
    "postmortem_ensure",
    "postmortem_generate",
    "postmortem_generate_request",
    "postmortem_publish",
    "postmortem_reopen",
    "postmortem_request_changes",
    "postmortem_restore",
    "postmortem_sections_replace",
    "postmortem_set_public",
    "postmortem_submit",
    "reviewers_set",
    "section_flag_dismiss",
    "section_keep",
    "section_refresh",
    "section_update",
    "section_writers",
    "user_for_id",
]
