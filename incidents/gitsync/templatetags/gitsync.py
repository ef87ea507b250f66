from __future__ import annotations

from typing import Any

from django import template

from incidents.gitsync.selectors import SyncPanel, sync_panel
from timeline.actors import Actor

register = template.Library()


@register.simple_tag
def git_sync_panel(postmortem: Any, user: Actor) -> SyncPanel:
    """Return what the Git card on the postmortem page shows."""
    return sync_panel(postmortem=postmortem, user=user)
