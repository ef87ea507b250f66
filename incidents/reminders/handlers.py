"""Job handlers (see incidents/jobs.py): the outbox runs these once per job, idempotently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from incidents.jobs import job_handler
from incidents.models import RemediationAction
from incidents.reminders.delivery import deliveries_send_due
from incidents.reminders.models import ObjectType, Reminder, Rule
from incidents.reminders.rules import Candidate, _action_context
from incidents.reminders.services import reminders_create


def _assigned_since(action: RemediationAction) -> datetime:
    """Return when the current owner got the item: the start of their run in its history.

    The same for every run of the job (and for both jobs of a quick A→B→A reassignment), so the
    reminder key deduplicates retries while a later, separate assignment is a new reminder.
    """
    since = action.created_at
    for owner_id, moment in action.history.order_by(
        "-history_date", "-history_id"
    ).values_list(  # type: ignore[attr-defined]
        "owner_id", "history_date"
    )[:200]:
        if owner_id != action.owner_id:
            break
        since = moment
    return since


@job_handler("reminders.action_assigned")
def action_assigned(*, action_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Tell the new owner of an action item that it is theirs (held back by quiet hours)."""
    now = now or timezone.now()
    action = (
        RemediationAction.objects.select_related("owner__profile", "incident__commander")
        .filter(pk=action_id)
        .first()
    )
    if action is None or action.owner is None or not action.owner.is_active or not action.is_open:
        return {"reminders": 0}
    since = _assigned_since(action)
    candidate = Candidate(
        rule=Rule.ACTION_ASSIGNED,
        object_type=ObjectType.ACTION,
        object_id=action.pk,
        window=f"owner-{action.owner_id}-{since:%Y%m%dT%H%M%S%f}",
        recipient=action.owner,
        incident=action.incident,
        context=_action_context(action),
    )
    reminders_create([candidate], now=now)
    # Also after a retry that finds the reminder already recorded: its deliveries may still be due.
    ids = list(Reminder.objects.filter(key=candidate.key).values_list("pk", flat=True))
    report = deliveries_send_due(now=now, reminder_ids=ids)
    return {"reminders": len(ids), "sent": sum(report.sent.values())}
