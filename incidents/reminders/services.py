"""Writes: recording reminders (the claim), marking notifications read, snoozing, preferences."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.bulk import fast_insert
from incidents.conf import hindsight_setting
from incidents.models import Incident
from incidents.reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    Reminder,
    Rule,
    Snooze,
    Webhook,
    channels_for,
)
from incidents.reminders.quiet import QuietHours
from incidents.reminders.rules import Candidate
from incidents.services.common import require_user
from timeline.actors import Actor

SNOOZE_SALT = "hindsight.reminders.snooze"
SNOOZE_CHOICES = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}


@dataclass(frozen=True)
class WebhookTarget:
    target: str
    service_ids: frozenset[int]
    rules: frozenset[str]

    def wants(self, rule: str, incident_service_ids: set[int]) -> bool:
        if self.rules and rule not in self.rules:
            return False
        return not self.service_ids or bool(self.service_ids & incident_service_ids)


def webhook_targets() -> list[WebhookTarget]:
    """Return the global webhook (if configured) and the active per-team ones."""
    targets: list[WebhookTarget] = []
    if hindsight_setting("REMINDER_WEBHOOK_URL"):
        targets.append(WebhookTarget("global", frozenset(), frozenset()))
    for hook in Webhook.objects.filter(active=True).prefetch_related("services"):
        targets.append(
            WebhookTarget(
                str(hook.pk),
                frozenset(service.pk for service in hook.services.all()),
                frozenset(hook.rules or ()),
            )
        )
    return targets


def _preferences(user_ids: Iterable[int]) -> dict[tuple[int, str], NotificationPreference]:
    rows = NotificationPreference.objects.filter(user_id__in=set(user_ids))
    return {(row.user_id, row.rule): row for row in rows}


def _private_visibility(candidates: Sequence[Candidate]) -> set[tuple[int, int]]:
    """Return the (recipient, private incident) pairs where the recipient may see the incident."""
    wanted: dict[Any, set[int]] = defaultdict(set)
    for candidate in candidates:
        ids = set(candidate.extra.get("private_incident_ids", ()))
        if candidate.incident is not None and candidate.incident.private:
            ids.add(candidate.incident.pk)
        if ids:
            wanted[candidate.recipient].update(ids)
    visible: set[tuple[int, int]] = set()
    # One query per recipient with private incidents in this batch: private incidents are rare.
    for user, ids in wanted.items():
        for pk in Incident.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True):
            visible.add((user.pk, pk))
    return visible


def _redact(candidate: Candidate, visible: set[tuple[int, int]]) -> dict[str, Any]:
    """Return the context the recipient may read: never a private incident they cannot see."""
    context = dict(candidate.context)
    recipient_id = candidate.recipient.pk
    incident = candidate.incident
    if incident is not None and incident.private and (recipient_id, incident.pk) not in visible:
        return {
            "redacted": True,
            "days_overdue": context.get("days_overdue"),
            "days_left": context.get("days_left"),
            "due_date": context.get("due_date"),
        }
    if "items" in context:
        items = []
        for item in context["items"]:
            if item.get("private") and (recipient_id, item["incident_id"]) not in visible:
                item = {"redacted": True, "due_date": item["due_date"], "overdue": item["overdue"]}
            items.append(item)
        context["items"] = items
    return context


@dataclass
class Recorded:
    """A reminder this sweep recorded (what the sweep reports about it)."""

    pk: int
    rule: str
    recipient: Any
    context: dict[str, Any]
    # When its in-app notification is due (now, unless snoozed); email and webhooks may wait longer.
    in_app_at: datetime


def reminders_create(
    candidates: Sequence[Candidate],
    *,
    now: datetime,
    targets: list[WebhookTarget] | None = None,
    deliver_after: datetime | None = None,
) -> list[Recorded]:
    """Insert the candidates whose key is new, with their deliveries; return the new reminders.

    The unique key is the claim: of two sweeps inserting the same key, one inserts it and the
    other skips it (ON CONFLICT DO NOTHING), and each finds the rows it inserted itself by its
    batch token. A constant number of queries per call, however many candidates.
    """
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(candidate.key, candidate)
    if not unique:
        return []
    # Most keys a sweep finds were recorded by an earlier sweep (it runs every minute): skip them
    # with one read. A key recorded between this read and the insert is still skipped by the insert.
    existing = set(Reminder.objects.filter(key__in=list(unique)).values_list("key", flat=True))
    chosen = [candidate for key, candidate in unique.items() if key not in existing]
    if not chosen:
        return []
    if targets is None:
        targets = webhook_targets()
    recipient_ids = {candidate.recipient.pk for candidate in chosen}
    preferences = _preferences(recipient_ids)
    snoozes: dict[tuple[int, str, int], datetime] = {}
    for snooze in Snooze.objects.filter(recipient_id__in=recipient_ids, until__gt=now):
        slot = (snooze.recipient_id, snooze.object_type, snooze.object_id)
        snoozes[slot] = max(snooze.until, snoozes.get(slot, snooze.until))
    visible = _private_visibility(chosen)
    service_ids: dict[int, set[int]] = defaultdict(set)
    if targets:
        incident_ids = {c.incident.pk for c in chosen if c.incident is not None and not c.incident.private}
        through = Incident.services.through.objects.filter(incident_id__in=incident_ids)
        for incident_id, service_id in through.values_list("incident_id", "service_id"):
            service_ids[incident_id].add(service_id)

    batch = uuid.uuid4()
    rows: list[dict[str, Any]] = []
    # In-app notifications are immediate: the bell is silent, so quiet hours hold back only the
    # channels that reach a person's phone or a shared channel (email and webhooks). A snooze is
    # the recipient's own choice and holds back every channel.
    in_app_at: dict[str, datetime] = {}
    for candidate in chosen:
        start = deliver_after or now
        held = snoozes.get((candidate.recipient.pk, candidate.object_type, candidate.object_id))
        if held is not None:
            start = max(start, held)
        in_app_at[candidate.key] = start
        if not candidate.ignores_quiet_hours:
            start = QuietHours.of(candidate.recipient).next_allowed(start)
        rows.append(
            {
                "key": candidate.key,
                "rule": candidate.rule,
                "object_type": candidate.object_type,
                "object_id": candidate.object_id,
                "window": candidate.window,
                "recipient_id": candidate.recipient.pk,
                "incident_id": candidate.incident.pk if candidate.incident is not None else None,
                "context": _redact(candidate, visible),
                "deliver_after": start,
                "batch": batch,
                "created_at": now,
            }
        )
    contexts = {row["key"]: row["context"] for row in rows}
    recorded: list[Recorded] = []
    with transaction.atomic():
        fast_insert(Reminder, rows, ignore_conflicts=True)
        # Exactly the rows this call inserted: a key another sweep inserted first has its batch.
        created: dict[str, tuple[int, datetime]] = {
            key: (pk, when)
            for pk, key, when in Reminder.objects.filter(batch=batch).values_list(
                "pk", "key", "deliver_after"
            )
        }
        deliveries: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        for candidate in chosen:
            if candidate.key not in created:
                continue
            pk, when = created[candidate.key]
            at_once = in_app_at[candidate.key]
            context = contexts[candidate.key]
            incident_pk = candidate.incident.pk if candidate.incident is not None else None
            recorded.append(Recorded(pk, candidate.rule, candidate.recipient, context, at_once))
            if at_once <= now:
                # Written here, in the transaction that claimed the key: in-app needs no second claim.
                notifications.append(
                    notification_row(
                        rule=candidate.rule,
                        context=context,
                        reminder_id=pk,
                        recipient_id=candidate.recipient.pk,
                        incident_id=incident_pk,
                        now=now,
                    )
                )
                deliveries.append(
                    {
                        "reminder_id": pk,
                        "channel": Channel.IN_APP,
                        "next_attempt_at": at_once,
                        "status": DeliveryStatus.SENT,
                        "attempts": 1,
                        "sent_at": now,
                    }
                )
            else:
                deliveries.append({"reminder_id": pk, "channel": Channel.IN_APP, "next_attempt_at": at_once})
            wants = channels_for(preferences.get((candidate.recipient.pk, candidate.rule)))
            if wants["email"] and candidate.recipient.email:
                deliveries.append({"reminder_id": pk, "channel": Channel.EMAIL, "next_attempt_at": when})
            incident = candidate.incident
            # Webhooks post to shared channels: never about a private incident.
            if wants["webhook"] and targets and incident is not None and not incident.private:
                for target in targets:
                    if target.wants(candidate.rule, service_ids[incident.pk]):
                        deliveries.append(
                            {
                                "reminder_id": pk,
                                "channel": Channel.WEBHOOK,
                                "target": target.target,
                                "next_attempt_at": when,
                            }
                        )
        fast_insert(Delivery, deliveries)
        fast_insert(Notification, notifications)
        _supersede_held([candidate for candidate in chosen if candidate.key in created], created)
    return recorded


# A newer reminder of these rules about the same item replaces an older one still waiting (held by
# quiet hours or a snooze): an item overdue by the time quiet hours end gets its overdue reminder,
# not that and the "due soon" written the evening before.
SUPERSEDING_RULES = (
    Rule.ACTION_DUE_SOON,
    Rule.ACTION_OVERDUE,
    Rule.ACTION_ESCALATION,
    Rule.POSTMORTEM_OVERDUE,
)


def _supersede_held(candidates: Sequence[Candidate], created: dict[str, tuple[int, datetime]]) -> int:
    """Skip the undelivered deliveries of older reminders about the items these new ones are about."""
    slots = {
        (c.recipient.pk, c.object_type, c.object_id): created[c.key][0]
        for c in candidates
        if c.rule in SUPERSEDING_RULES
    }
    if not slots:
        return 0
    waiting = Delivery.objects.filter(
        status=DeliveryStatus.PENDING,
        reminder__rule__in=SUPERSEDING_RULES,
        reminder__recipient_id__in={recipient for recipient, _, _ in slots},
        reminder__object_id__in={object_id for _, _, object_id in slots},
    ).values_list(
        "pk", "reminder_id", "reminder__recipient_id", "reminder__object_type", "reminder__object_id"
    )
    stale = [
        pk
        for pk, reminder_id, recipient_id, object_type, object_id in waiting
        if reminder_id < slots.get((recipient_id, object_type, object_id), 0)
    ]
    return Delivery.objects.filter(pk__in=stale, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SKIPPED, last_error="Superseded by a newer reminder about the same item."
    )


# Notifications ---------------------------------------------------------------------------------


def notification_row(
    *,
    rule: str,
    context: dict[str, Any],
    reminder_id: int,
    recipient_id: int,
    incident_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """Return the fields of a reminder's in-app notification."""
    from incidents.reminders import render

    return {
        "recipient_id": recipient_id,
        "reminder_id": reminder_id,
        "rule": rule,
        "incident_id": incident_id,
        "title": render.headline(rule, context)[:300],
        "body": "\n".join(render.body_lines(rule, context, in_app=True)),
        "url": "" if context.get("redacted") else context.get("url", ""),
        "created_at": now,
    }


def notification_mark_read(
    *, notification: Notification, user: Actor, now: datetime | None = None
) -> Notification:
    """Mark one of the user's notifications read."""
    if notification.recipient_id != require_user(user).pk:
        raise PermissionDenied("This is not your notification.")
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Actor, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=require_user(user), read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def parse_snooze_until(value: Any, *, now: datetime) -> datetime:
    """Accept "1d", "1w" or an ISO 8601 datetime in the future (at most 90 days ahead)."""
    if isinstance(value, str) and value.strip().lower() in SNOOZE_CHOICES:
        return now + SNOOZE_CHOICES[value.strip().lower()]
    until: datetime | None = value if isinstance(value, datetime) else None
    if until is None and isinstance(value, str):
        try:
            until = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            until = None
    if until is None:
        raise ValidationError({"until": 'Give "1d", "1w" or an ISO 8601 date and time.'})
    if timezone.is_naive(until):
        raise ValidationError({"until": "Give a time zone offset (for example 2026-11-24T09:00:00Z)."})
    if until <= now:
        raise ValidationError({"until": "Snooze until a time in the future."})
    if until > now + timedelta(days=90):
        raise ValidationError({"until": "Snooze for at most 90 days."})
    return until


@transaction.atomic
def reminder_snooze(
    *, reminder: Reminder, user: Actor, until: datetime, now: datetime | None = None
) -> Snooze:
    """Hold back this reminder's subject for the user until `until`, then remind them again.

    Pending deliveries about the same object wait until then, the notifications are put away,
    and one new reminder is scheduled for `until` (after quiet hours), so a snooze never drops it.
    """
    now = now or timezone.now()
    me = require_user(user)
    if reminder.recipient_id != me.pk:
        raise PermissionDenied("This is not your reminder.")
    snooze = Snooze.objects.create(
        recipient=me, object_type=reminder.object_type, object_id=reminder.object_id, until=until
    )
    same_subject = {"recipient": me, "object_type": reminder.object_type, "object_id": reminder.object_id}
    Notification.objects.filter(
        reminder__in=Reminder.objects.filter(**same_subject), read_at__isnull=True
    ).update(read_at=now, snoozed_until=until)
    Notification.objects.filter(reminder=reminder).update(snoozed_until=until, read_at=now)
    Delivery.objects.filter(
        reminder__in=Reminder.objects.filter(**same_subject),
        status=DeliveryStatus.PENDING,
        next_attempt_at__lt=until,
    ).update(next_attempt_at=until)
    incident = reminder.incident
    candidate = Candidate(
        rule=reminder.rule,
        object_type=reminder.object_type,
        object_id=reminder.object_id,
        window=f"snoozed-{until:%Y%m%dT%H%M%S}",
        recipient=me,
        incident=incident,
        context={**reminder.context, "snoozed": True},
        ignores_quiet_hours=reminder.rule == Rule.INCIDENT_QUIET,
    )
    # The snooze row above would hold the candidate back anyway; deliver_after says it plainly.
    reminders_create([candidate], now=now, deliver_after=until)
    return snooze


def notification_snooze(*, notification: Notification, user: Actor, until: datetime) -> Notification:
    """Snooze the reminder behind an in-app notification."""
    if notification.recipient_id != require_user(user).pk:
        raise PermissionDenied("This is not your notification.")
    if notification.reminder is None:
        raise ValidationError({"until": "This notification cannot be snoozed."})
    reminder_snooze(reminder=notification.reminder, user=user, until=until)
    notification.refresh_from_db()
    return notification


def snooze_token(reminder: Reminder) -> str:
    """Return a signed, expiring token that snoozes this reminder without signing in."""
    return signing.dumps({"r": reminder.pk, "u": reminder.recipient_id}, salt=SNOOZE_SALT, compress=True)


def snooze_token_read(token: str) -> Reminder:
    """Return the reminder a snooze token names; ValidationError when tampered with or expired."""
    max_age: timedelta = hindsight_setting("REMINDER_SNOOZE_LINK_MAX_AGE")
    try:
        data = signing.loads(token, salt=SNOOZE_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ValidationError("This snooze link has expired.") from error
    except signing.BadSignature as error:
        raise ValidationError("This snooze link is not valid.") from error
    reminder = (
        Reminder.objects.filter(pk=data.get("r"), recipient_id=data.get("u"))
        .select_related("recipient")
        .first()
    )
    if reminder is None:
        raise ValidationError("This reminder no longer exists.")
    return reminder


# Preferences -----------------------------------------------------------------------------------


@transaction.atomic
def preferences_save(*, user: Actor, choices: dict[str, dict[str, bool]]) -> None:
    """Save the user's channels per rule: {rule: {"email": bool, "webhook": bool}}."""
    me = require_user(user)
    unknown = set(choices) - set(Rule.values)
    if unknown:
        raise ValidationError({"rule": f"Unknown rule {sorted(unknown)[0]!r}."})
    for rule, channels in choices.items():
        NotificationPreference.objects.update_or_create(
            user=me,
            rule=rule,
            defaults={"email": bool(channels.get("email")), "webhook": bool(channels.get("webhook"))},
        )
