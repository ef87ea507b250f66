from __future__ import annotations

from typing import Any

from django import template

from incidents.gitsync.selectors import SyncPanel, sync_panel

register = template.Library()


@register.simple_tag
def git_sync_panel(postmortem: Any, user: Any) -> SyncPanel:
    """Return what the Git card on the postmortem page shows."""
    return sync_panel(postmortem=postmortem, user=user)
