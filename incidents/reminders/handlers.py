"""Job handlers (see incidents/jobs.py): the outbox runs these once per job, idempotently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from incidents.jobs import job_handler
from incidents.models import Incident, IncidentRole, RemediationAction
from incidents.permissions import can_view_incident
from incidents.reminders.delivery import deliveries_send_due
from incidents.reminders.models import ObjectType, Reminder, Rule
from incidents.reminders.rules import Candidate, _action_context, _incident_context, incident_path
from incidents.reminders.services import reminders_create


def _assigned_since(action: RemediationAction) -> datetime:
    """Return when the current owner got the item: the start of their run in its history.

    The same for every run of the job (and for both jobs of a quick A→B→A reassignment), so the
    reminder key deduplicates retries while a later, separate assignment is a new reminder.
    """
    since = action.created_at
    for owner_id, moment in action.history.order_by("-history_date", "-history_id").values_list(
        "owner_id", "history_date"
    )[:200]:
        if owner_id != action.owner_id:
            break
        since = moment
    return since


def _remind_now(candidate: Candidate, now: datetime) -> dict[str, Any]:
    """Record the reminder once (its key) and send what is due of it now.

    Also after a retry that finds the reminder already recorded: its deliveries may still be due.
    """
    reminders_create([candidate], now=now)
    ids = list(Reminder.objects.filter(key=candidate.key).values_list("pk", flat=True))
    report = deliveries_send_due(now=now, reminder_ids=ids)
    return {"reminders": len(ids), "sent": sum(report.sent.values())}


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
    return _remind_now(candidate, now)


@job_handler("reminders.postmortem_reviewer_named")
def postmortem_reviewer_named(
    *, postmortem_id: int, reviewer_id: int, named_at: str, named_by: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """Tell a person they were named reviewer of a postmortem (once per naming)."""
    from django.apps import apps

    now = now or timezone.now()
    Postmortem = apps.get_model("postmortems", "Postmortem")
    postmortem = Postmortem.objects.select_related("incident").filter(pk=postmortem_id).first()
    if postmortem is None:
        return {"reminders": 0}
    reviewer = postmortem.reviewers.select_related("profile").filter(pk=reviewer_id, is_active=True).first()
    if reviewer is None or not can_view_incident(reviewer, postmortem.incident):
        return {"reminders": 0}  # no longer a reviewer since: nothing to say
    context = _incident_context(postmortem.incident)
    context.update(
        {
            "url": f"{incident_path(postmortem.incident)}postmortem/",
            "named_by": named_by,
        }
    )
    candidate = Candidate(
        rule=Rule.POSTMORTEM_REVIEW,
        object_type=ObjectType.POSTMORTEM,
        object_id=postmortem.pk,
        window=f"reviewer-{reviewer_id}-{named_at}",
        recipient=reviewer,
        incident=postmortem.incident,
        context=context,
    )
    return _remind_now(candidate, now)


def _still_holds(incident: Incident, user_id: int, role: str) -> bool:
    if role == "commander":
        return incident.commander_id == user_id
    return IncidentRole.objects.filter(incident=incident, kind__key=role, user_id=user_id).exists()


@job_handler("reminders.role_assigned")
def role_assigned(
    *,
    incident_id: int,
    user_id: int,
    role: str,
    role_name: str,
    named_at: str,
    named_by: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Tell a person they were named commander (or another role) of an incident, once per naming."""
    now = now or timezone.now()
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not _still_holds(incident, user_id, role):
        return {"reminders": 0}  # handed on again since: nothing to say
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.select_related("profile").filter(pk=user_id, is_active=True).first()
    if person is None or not can_view_incident(person, incident):
        return {"reminders": 0}
    context = _incident_context(incident)
    context.update({"role": role, "role_name": role_name, "named_by": named_by})
    candidate = Candidate(
        rule=Rule.ROLE_ASSIGNED,
        object_type=ObjectType.INCIDENT,
        object_id=incident.pk,
        window=f"{role}-{user_id}-{named_at}",
        recipient=person,
        incident=incident,
        context=context,
    )
    return _remind_now(candidate, now)


@job_handler("reminders.fix_not_held")
def fix_not_held(
    *, link_id: int, user_id: int, reasons: list[str], now: datetime | None = None
) -> dict[str, Any]:
    """Tell an owner of a done repair/prevent item, or an approver of its postmortem, that the
    incident it was meant to prevent happened again (once per pair of incidents and person).

    The link is insights' `FixNotHeld`, read by name: reminders does not import insights. Nobody
    hears of an incident they may not see.
    """
    from django.apps import apps
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    if not apps.is_installed("incidents.insights"):
        return {"reminders": 0}
    link = (
        apps.get_model("insights", "FixNotHeld")
        .objects.select_related("incident", "earlier")
        .filter(pk=link_id)
        .first()
    )
    person = get_user_model().objects.select_related("profile").filter(pk=user_id, is_active=True).first()
    if link is None or person is None:
        return {"reminders": 0}
    incident, earlier = link.incident, link.earlier
    if not (can_view_incident(person, incident) and can_view_incident(person, earlier)):
        return {"reminders": 0}
    actions = list(link.actions.order_by("completed_at", "id"))
    context = _incident_context(incident)
    context.update(
        {
            "earlier_reference": earlier.reference,
            "earlier_title": earlier.title,
            "category": link.category,
            "reasons": reasons,
            "fixes": [
                {
                    "title": action.title,
                    "kind": action.kind,
                    "completed": action.completed_at.date().isoformat() if action.completed_at else "",
                    "yours": action.owner_id == person.pk,
                }
                for action in actions
            ],
        }
    )
    candidate = Candidate(
        rule=Rule.FIX_NOT_HELD,
        object_type=ObjectType.INCIDENT,
        object_id=incident.pk,
        window=f"repeats-{earlier.pk}",
        recipient=person,
        incident=incident,
        context=context,
    )
    return _remind_now(candidate, now)
