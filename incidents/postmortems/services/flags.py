"""Dismissing a writing-check flag on a section (the check itself is `incidents.writing`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from incidents.postmortems.models import FlagDismissal, Postmortem, Section
from incidents.services.common import require_edit
from incidents.writing import matched_text_key, rule_ids
from timeline.actors import Actor, actor_or_none


def section_flag_dismiss(
    *, postmortem: Postmortem, key: str, rule: str, text: str, actor: Actor
) -> FlagDismissal:
    """Hide one flag (a rule and the words it matched) on one section; dismissing twice is harmless.

    Allowed on any unpublished postmortem: a dismissal changes no words, so review need not stop.
    """
    require_edit(actor, postmortem.incident)
    if postmortem.is_published:
        raise ValidationError("A published postmortem is read-only: reopen it first.")
    section = postmortem.sections.filter(key=key).first()
    if section is None:
        raise Section.DoesNotExist(key)
    if rule not in rule_ids():
        raise ValidationError({"rule": "No such writing rule."})
    words = matched_text_key(text)
    if not words:
        raise ValidationError({"text": "Say which words the flag matched."})
    dismissal, _ = FlagDismissal.objects.get_or_create(
        section=section, rule=rule, text=words, defaults={"dismissed_by": actor_or_none(actor)}
    )
    return dismissal
