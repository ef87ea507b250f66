"""The reminder rules of PRODUCT.md, as generators of candidate reminders.

Each rule reads its objects in keyset-paginated batches (a constant number of queries per batch,
whatever the batch holds) and yields `Candidate`s; the sweep inserts them, and the unique key of
each (rule, object, window, recipient) decides whether it is new. A rule therefore only has to
say which window "now" falls in: the due date for "due soon", the n-th three-day period for
"overdue", the ISO week for the digest. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from incidents.choices import ACTIVE_STATUSES, OPEN_ACTION_STATUSES
from incidents.conf import hindsight_setting
from incidents.models import Incident, RemediationAction, StatusUpdate
from incidents.reminders.models import ObjectType, Rule
from incidents.reminders.quiet import QuietHours
from timeline import selectors as timeline_selectors
from timeline.actors import Actor


@dataclass
class Candidate:
    """A reminder a rule wants sent (it is sent only if its key is new)."""

    rule: str
    object_type: str
    object_id: int
    window: str
    recipient: Any
    incident: Incident | None
    context: dict[str, Any]
    # Live SEV1/SEV2 reminders go out at any hour.
    ignores_quiet_hours: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.object_type}:{self.object_id}:{self.window}:{self.recipient.pk}"


def _batches(queryset: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """Yield the queryset in primary-key order, `size` rows per query (keyset pagination)."""
    last_pk: Any = None
    while True:
        page = queryset.filter(pk__gt=last_pk) if last_pk is not None else queryset
        rows = list(page.order_by("pk")[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last_pk = rows[-1].pk


def incident_path(incident: Incident) -> str:
    # Built by hand rather than reversed: the sweep formats thousands of these, and the path
    # ("incident-detail" in incidents/urls.py) is part of every link already sent by email.
    return f"/incidents/{incident.reference}/"


def _incident_context(incident: Incident) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "incident_title": incident.title,
        "severity": incident.severity,
        "incident_status": incident.status,
        "url": incident_path(incident),
    }


def _usable(user: Actor) -> bool:
    return user is not None and user.is_active


def _action_context(action: RemediationAction, **more: Any) -> dict[str, Any]:
    context = _incident_context(action.incident)
    context.update(
        {
            "action_title": action.title,
            "action_id": action.pk,
            "priority": action.priority,
            "due_date": action.due_date.isoformat(),
            "owner": action.owner.get_username() if action.owner else "",
        }
    )
    context.update(more)
    return context


def _plural_days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


def action_candidates(action: RemediationAction, *, now: datetime) -> list[Candidate]:
    """Return the due-soon, overdue and escalation reminders one action item calls for now."""
    due_soon_days: int = hindsight_setting("REMINDER_DUE_SOON_DAYS")
    every: int = hindsight_setting("REMINDER_OVERDUE_EVERY_DAYS")
    escalate_after: int = hindsight_setting("REMINDER_ESCALATE_AFTER")
    owner = action.owner if _usable(action.owner) else None
    commander = action.incident.commander if _usable(action.incident.commander) else None
    anchor = owner or commander
    if anchor is None:
        return []
    # Days are counted on the calendar of the person reminded (the owner, else the commander).
    today = QuietHours.of(anchor).today(now)
    days_left = (action.due_date - today).days
    due = action.due_date.isoformat()
    result: list[Candidate] = []
    if 0 < days_left <= due_soon_days and owner is not None:
        result.append(
            Candidate(
                rule=Rule.ACTION_DUE_SOON,
                object_type=ObjectType.ACTION,
                object_id=action.pk,
                window=f"due-{due}",
                recipient=owner,
                incident=action.incident,
                context=_action_context(action, days_left=days_left),
            )
        )
    if days_left > 0:
        return result
    days_overdue = -days_left
    # The n-th overdue reminder (0 on the due date, 1 three days later…). A sweep that missed a
    # day catches up with the current one, never with every reminder it missed.
    number = days_overdue // every
    window = f"due-{due}-overdue-{number}"
    context = _action_context(action, days_overdue=days_overdue, overdue_number=number + 1)
    if owner is not None:
        result.append(
            Candidate(
                rule=Rule.ACTION_OVERDUE,
                object_type=ObjectType.ACTION,
                object_id=action.pk,
                window=window,
                recipient=owner,
                incident=action.incident,
                context=context,
            )
        )
    # After the owner's `escalate_after` overdue reminders the commander is told too; an item
    # nobody owns goes to the commander from the start.
    escalate = owner is None or number >= escalate_after
    if escalate and commander is not None and commander != owner:
        result.append(
            Candidate(
                rule=Rule.ACTION_ESCALATION,
                object_type=ObjectType.ACTION,
                object_id=action.pk,
                window=window,
                recipient=commander,
                incident=action.incident,
                context=context,
            )
        )
    return result


def _person(path: str) -> list[str]:
    """Return the fields of a person (and their quiet hours) that reminders use, under `path`."""
    fields = ["username", "email", "is_active", "profile__timezone", "profile__quiet_hours_start"]
    return [f"{path}__{name}" for name in (*fields, "profile__quiet_hours_end", "profile__quiet_weekends")]


def action_rule(*, now: datetime, batch_size: int) -> Iterator[list[Candidate]]:
    """Action items due soon or overdue, in batches."""
    due_soon_days: int = hindsight_setting("REMINDER_DUE_SOON_DAYS")
    # Every timezone is within a day of UTC: the exact test happens per recipient.
    horizon = now.date() + timedelta(days=due_soon_days + 1)
    queryset = (
        RemediationAction.objects.filter(status__in=OPEN_ACTION_STATUSES, due_date__lte=horizon)
        .select_related("owner__profile", "incident__commander__profile")
        # Only what reminders say and whom they go to: the sweep reads thousands of these rows.
        .only(
            "title", "priority", "due_date", "status", "owner_id", "incident_id",
            *_person("owner"),
            "incident__reference", "incident__title", "incident__severity", "incident__status",
            "incident__private", "incident__commander_id",
            *_person("incident__commander"),
        )
    )  # fmt: skip
    for rows in _batches(queryset, batch_size):
        batch: list[Candidate] = []
        for action in rows:
            batch.extend(action_candidates(action, now=now))
        yield batch


POSTMORTEMS_APP: str = "postmortems"


def _postmortem_model() -> Any:
    """Return the Postmortem model, or None when the postmortems app does not define it.

    Looked up by name: reminders depend on postmortems only through these fields (status,
    due_date, incident) and the optional revisions' `author`.
    """
    try:
        return apps.get_model(POSTMORTEMS_APP, "Postmortem")
    except LookupError:
        return None


def _postmortem_authors(ids: list[int]) -> dict[int, set[int]]:
    """Return the users who wrote revisions of each postmortem (empty when unknown)."""
    authors: dict[int, set[int]] = defaultdict(set)
    try:
        revision = apps.get_model(POSTMORTEMS_APP, "Revision")
    except LookupError:
        return authors
    if not any(f.name == "author" for f in revision._meta.get_fields()):
        return authors
    pairs = revision.objects.filter(postmortem_id__in=ids, author__isnull=False).values_list(
        "postmortem_id", "author_id"
    )
    for postmortem_id, author_id in pairs.distinct():
        authors[postmortem_id].add(author_id)
    return authors


def postmortem_rule(*, now: datetime, batch_size: int) -> Iterator[list[Candidate]]:
    """Postmortems not published by their due date → commander and authors, then weekly."""
    model = _postmortem_model()
    if model is None:
        return
    every: int = hindsight_setting("REMINDER_POSTMORTEM_EVERY_DAYS")
    User = get_user_model()
    queryset = (
        model.objects.filter(due_date__isnull=False, due_date__lt=now.date() + timedelta(days=1))
        .exclude(status="published")
        # Duplicates and false alarms need no postmortem of their own (PRODUCT.md), so no reminder.
        .exclude(incident__false_alarm=True)
        .exclude(incident__duplicate_of__isnull=False)
        .select_related("incident__commander__profile")
    )
    for rows in _batches(queryset, batch_size):
        authors = _postmortem_authors([row.pk for row in rows])
        wanted = {pk for ids in authors.values() for pk in ids}
        users = {user.pk: user for user in User.objects.filter(pk__in=wanted).select_related("profile")}
        batch: list[Candidate] = []
        for postmortem in rows:
            incident = postmortem.incident
            recipients = {incident.commander.pk: incident.commander} if incident.commander else {}
            for author_id in authors.get(postmortem.pk, ()):
                if author_id in users:
                    recipients[author_id] = users[author_id]
            for recipient in recipients.values():
                if not _usable(recipient):
                    continue
                days_late = (QuietHours.of(recipient).today(now) - postmortem.due_date).days
                if days_late < 1:
                    continue
                number = (days_late - 1) // every
                context = _incident_context(incident)
                context.update(
                    {
                        "due_date": postmortem.due_date.isoformat(),
                        "days_late": days_late,
                        "postmortem_status": postmortem.status,
                        "url": f"{incident_path(incident)}postmortem/",
                    }
                )
                batch.append(
                    Candidate(
                        rule=Rule.POSTMORTEM_OVERDUE,
                        object_type=ObjectType.POSTMORTEM,
                        object_id=postmortem.pk,
                        window=f"due-{postmortem.due_date.isoformat()}-week-{number}",
                        recipient=recipient,
                        incident=incident,
                        context=context,
                    )
                )
        yield batch


def quiet_incident_rule(*, now: datetime, batch_size: int) -> Iterator[list[Candidate]]:
    """Live SEV1/SEV2 incidents with no timeline entry or status update for a while → commander."""
    thresholds: dict[str, timedelta] = hindsight_setting("REMINDER_QUIET_INCIDENT_AFTER")
    last_event = timeline_selectors.latest_recorded_at(incident=OuterRef("pk"))
    last_update = (
        StatusUpdate.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(latest=Max("posted_at"))
        .values("latest")
    )
    queryset = (
        Incident.objects.filter(status__in=ACTIVE_STATUSES, severity__in=list(thresholds))
        .annotate(last_event_at=Subquery(last_event), last_update_at=Subquery(last_update))
        .select_related("commander__profile", "reporter__profile")
    )
    for rows in _batches(queryset, batch_size):
        batch: list[Candidate] = []
        for incident in rows:
            recipient = incident.commander if _usable(incident.commander) else incident.reporter
            if not _usable(recipient):
                continue
            moments = [incident.detected_at, incident.last_event_at, incident.last_update_at]
            last_activity = max(moment for moment in moments if moment is not None)
            threshold = thresholds[incident.severity]
            silence = now - last_activity
            if silence < threshold:
                continue
            # Reminded again for each further threshold of silence; any activity starts a new window.
            number = int(silence / threshold)
            context = _incident_context(incident)
            context.update(
                {
                    "quiet_minutes": int(silence.total_seconds() // 60),
                    "last_activity_at": last_activity.isoformat(),
                }
            )
            batch.append(
                Candidate(
                    rule=Rule.INCIDENT_QUIET,
                    object_type=ObjectType.INCIDENT,
                    object_id=incident.pk,
                    window=f"{last_activity:%Y%m%dT%H%M%S}-{number}",
                    recipient=recipient,
                    incident=incident,
                    context=context,
                    ignores_quiet_hours=True,
                )
            )
        yield batch


def digest_rule(*, now: datetime, batch_size: int) -> Iterator[list[Candidate]]:
    """Each owner of open action items gets a weekly digest on their own digest weekday."""
    weekday: int = hindsight_setting("REMINDER_DIGEST_WEEKDAY")
    User = get_user_model()
    owns_open = Exists(
        RemediationAction.objects.filter(owner=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES)
    )
    queryset = User.objects.filter(owns_open, is_active=True).select_related("profile")
    for rows in _batches(queryset, batch_size):
        due_today = {}
        for user in rows:
            local_today = QuietHours.of(user).today(now)
            if local_today.weekday() == weekday:
                due_today[user.pk] = (user, local_today)
        if not due_today:
            yield []
            continue
        items: dict[int, list[RemediationAction]] = defaultdict(list)
        actions = (
            RemediationAction.objects.filter(owner_id__in=list(due_today), status__in=OPEN_ACTION_STATUSES)
            .select_related("incident")
            .order_by("due_date", "pk")
        )
        for action in actions:
            items[action.owner_id].append(action)
        batch: list[Candidate] = []
        for user_pk, (user, local_today) in due_today.items():
            year, week, _ = local_today.isocalendar()
            batch.append(
                Candidate(
                    rule=Rule.WEEKLY_DIGEST,
                    object_type=ObjectType.USER,
                    object_id=user_pk,
                    window=f"{year}-W{week:02d}",
                    recipient=user,
                    incident=None,
                    context=_digest_context(items[user_pk], local_today),
                    extra={"incident_ids": sorted({a.incident_id for a in items[user_pk]})},
                )
            )
        yield batch


def _digest_context(actions: list[RemediationAction], today: date) -> dict[str, Any]:
    entries = [
        {
            "action_title": action.title,
            "reference": action.incident.reference,
            "incident_id": action.incident_id,
            "private": action.incident.private,
            "due_date": action.due_date.isoformat(),
            "overdue": action.due_date < today,
            "status": action.status,
            "url": incident_path(action.incident),
        }
        for action in actions
    ]
    return {
        "items": entries,
        "open_count": len(entries),
        "overdue_count": sum(1 for entry in entries if entry["overdue"]),
        "url": "/actions/",
    }


RULES = (action_rule, postmortem_rule, quiet_incident_rule, digest_rule)
