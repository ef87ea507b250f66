from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import ActionKind, ActionPriority, ActionStatus
from incidents.conf import hindsight_setting
from incidents.jobs import job_enqueue
from incidents.models import Cause, Incident, RemediationAction
from incidents.services.common import (
    actor_or_none,
    check_text,
    require_admin,
    require_edit,
    resolve_user,
    set_history_user,
)
from timeline.actors import Actor
from timeline.softdelete import restore, soft_delete

CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.WONT_DO)


def default_due_date(priority: str, *, today: date | None = None) -> date:
    """Return the default due date for a priority: P1 in 2 weeks, P2 in 4, P3 in 8 (settings)."""
    days = hindsight_setting("ACTION_DUE_DAYS").get(priority, 28)
    return (today or timezone.localdate()) + timedelta(days=days)


def _check(errors: dict[str, str], values: dict[str, Any]) -> None:
    check_text(errors, "title", values["title"], required=True, max_length=200)
    check_text(errors, "description", values["description"], required=False)
    if values["kind"] not in ActionKind.values:
        errors["kind"] = f"Choose one of {', '.join(ActionKind.values)}."
    if values["priority"] not in ActionPriority.values:
        errors["priority"] = f"Choose one of {', '.join(ActionPriority.values)}."
    if values["status"] not in ActionStatus.values:
        errors["status"] = f"Choose one of {', '.join(ActionStatus.values)}."
    note = values["completion_note"] or ""
    check_text(errors, "completion_note", note, required=False)
    if values["status"] == ActionStatus.DONE and not note.strip():
        errors["completion_note"] = "Say how it was done (a link, a PR, a note) before marking it done."
    if values["status"] == ActionStatus.WONT_DO and not note.strip():
        errors["completion_note"] = "Give the reason it will not be done."
    url = values["ticket_url"] or ""
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
            errors["ticket_url"] = "Give a full http(s) link to the ticket."
    due = values["due_date"]
    if due is not None and not isinstance(due, date):
        errors["due_date"] = "Give a date (YYYY-MM-DD)."


def _causes(incident: Incident, ids: Iterable[Any]) -> list[Cause]:
    wanted: set[int] = set()
    for value in ids:
        pk = value.pk if isinstance(value, Cause) else value
        try:
            wanted.add(int(pk))
        except (TypeError, ValueError) as error:
            raise ValidationError({"causes": f"{value!r} is not a cause id."}) from error
    causes = list(Cause.objects.filter(incident=incident, pk__in=wanted))
    if len(causes) != len(wanted):
        raise ValidationError({"causes": "Link only causes of this incident."})
    return causes


def _owner_joins(action: RemediationAction) -> None:
    """Make the owner a participant: on a private incident they can always see and close their item."""
    if action.owner_id:
        action.incident.participants.add(action.owner_id)


def _notify_assignment(action: RemediationAction, actor: Actor) -> None:
    if action.owner_id and action.owner_id != getattr(actor_or_none(actor), "pk", None):
        job_enqueue(
            name="reminders.action_assigned",
            kwargs={"action_id": action.pk},
            incident_id=action.incident_id,
            actor=actor,
        )


@transaction.atomic
def action_add(
    *,
    incident: Incident,
    actor: Actor,
    title: str,
    description: str = "",
    kind: str = ActionKind.PREVENT,
    priority: str = ActionPriority.P2,
    owner: Any = None,
    due_date: date | None = None,
    status: str = ActionStatus.OPEN,
    ticket_url: str = "",
    causes: Iterable[Any] = (),
    completion_note: str = "",
) -> RemediationAction:
    """Add an action item; without a due date it gets the priority's default."""
    require_edit(actor, incident)
    values = {
        "title": title,
        "description": description,
        "kind": kind,
        "priority": priority,
        "status": status,
        "completion_note": completion_note,
        "ticket_url": ticket_url,
        "due_date": due_date,
    }
    errors: dict[str, str] = {}
    _check(errors, values)
    if errors:
        raise ValidationError(errors)
    owner_user = resolve_user(owner, field="owner")
    linked = _causes(incident, causes)
    action = RemediationAction(
        incident=incident,
        title=title.strip(),
        description=description or "",
        kind=kind,
        priority=priority,
        owner=owner_user,
        due_date=due_date or default_due_date(priority),
        status=status,
        ticket_url=ticket_url or "",
        completion_note=(completion_note or "").strip(),
        completed_at=timezone.now() if status in CLOSED_STATUSES else None,
        created_by=actor_or_none(actor),
    )
    set_history_user(action, actor)
    action.save()
    if linked:
        action.causes.set(linked)
    _owner_joins(action)
    _notify_assignment(action, actor)
    return action


UPDATABLE = {
    "title",
    "description",
    "kind",
    "priority",
    "owner",
    "due_date",
    "status",
    "ticket_url",
    "causes",
    "completion_note",
}


@transaction.atomic
def action_update(*, action: RemediationAction, actor: Actor, data: dict[str, Any]) -> RemediationAction:
    """Change an action item. Closing it as done needs a note; as won't do, a reason."""
    require_edit(actor, action.incident)
    unknown = set(data) - UPDATABLE
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    locked = RemediationAction.all_objects.select_for_update().get(pk=action.pk)
    if locked.is_deleted:
        raise ValidationError({"action": "This action item was deleted."})
    values = {
        field: data.get(field, getattr(locked, field))
        for field in (
            "title",
            "description",
            "kind",
            "priority",
            "status",
            "completion_note",
            "ticket_url",
            "due_date",
        )
    }
    errors: dict[str, str] = {}
    _check(errors, values)
    if "due_date" in data and data["due_date"] is None:
        errors["due_date"] = "An action item needs a due date."
    if errors:
        raise ValidationError(errors)
    owner_changed = False
    if "owner" in data:
        owner = resolve_user(data["owner"], field="owner")
        owner_changed = owner != locked.owner
        locked.owner = owner
    linked = _causes(locked.incident, data["causes"]) if "causes" in data else None
    was_closed = locked.status in CLOSED_STATUSES
    for field, value in values.items():
        if field in ("title", "completion_note") and isinstance(value, str):
            value = value.strip()
        setattr(locked, field, value if value is not None else "")
    if locked.status in CLOSED_STATUSES and not was_closed:
        locked.completed_at = timezone.now()
    elif locked.status not in CLOSED_STATUSES:
        locked.completed_at = None
    set_history_user(locked, actor)
    locked.save()
    if linked is not None:
        locked.causes.set(linked)
    if owner_changed:
        _owner_joins(locked)
        _notify_assignment(locked, actor)
    return locked


@transaction.atomic
def action_delete(*, action: RemediationAction, actor: Actor) -> None:
    """Soft-delete an action item: hidden everywhere (no more reminders), kept for admins to restore.
    Prefer `wont_do` with a reason for work the team decided against."""
    require_edit(actor, action.incident)
    soft_delete(action, actor=actor)


@transaction.atomic
def action_restore(*, action: RemediationAction, actor: Actor) -> RemediationAction:
    """Undo a delete. Admins only."""
    require_admin(actor)
    restore(action, actor=actor)
    return action
