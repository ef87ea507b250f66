"""What the editor shows under a draftable section: the button (or why there is none) and drafts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from incidents.drafting.checks import linked_markdown
from incidents.drafting.choices import DRAFTABLE_SECTIONS
from incidents.drafting.client import model_endpoint
from incidents.drafting.models import SectionDraft
from incidents.drafting.selectors import open_drafts
from incidents.drafting.services import PRIVATE_MESSAGE
from incidents.markdown import render_markdown
from incidents.postmortems.models import Postmortem


@dataclass
class ShownDraft:
    draft: SectionDraft
    html: SafeString
    markdown: str  # the text with citations as links: what accepting copies in
    citations: list[tuple[str, dict[str, Any]]]


@dataclass
class SectionPanel:
    section_key: str
    enabled: bool  # configured: otherwise nothing is shown at all
    refusal: str  # why this incident cannot be drafted (private, endpoint not local)
    drafts: list[ShownDraft]

    @property
    def drafting(self) -> bool:
        return any(shown.draft.status == "drafting" for shown in self.drafts)


def section_panel(*, user: Any, postmortem: Postmortem, section_key: str) -> SectionPanel | None:
    """The panel of one section, or None for sections a model does not draft."""
    if section_key not in DRAFTABLE_SECTIONS:
        return None
    endpoint = model_endpoint()
    if endpoint is None:
        return SectionPanel(section_key=section_key, enabled=False, refusal="", drafts=[])
    refusal = PRIVATE_MESSAGE if postmortem.incident.private and not endpoint.local else ""
    shown = []
    for draft in open_drafts(user=user, postmortem=postmortem, section_key=section_key):
        markdown = linked_markdown(draft.text, draft.citations)
        shown.append(
            ShownDraft(
                draft=draft,
                html=render_markdown(markdown) if draft.text else SafeString(""),
                markdown=markdown,
                citations=sorted(
                    draft.citations.items(),
                    key=lambda pair: ("ICEAU".find(pair[0][0]), len(pair[0]), pair[0]),
                ),
            )
        )
    return SectionPanel(section_key=section_key, enabled=True, refusal=refusal, drafts=shown)
