"""The sweep: evaluate every rule, record new reminders, send what is due.

Beat runs it every minute (`hindsight.reminders.sweep`) and `manage.py run_reminders` runs it once.
Any number may run at once: unique reminder keys and claimed deliveries make each reminder go out
once. `now` is a parameter so tests and the command can run it at any moment.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from celery import current_app

from incidents.conf import hindsight_setting
from incidents.reminders.delivery import SendReport, deliveries_send_due, external_batches_due
from incidents.reminders.models import Channel
from incidents.reminders.render import headline
from incidents.reminders.rules import RULES
from incidents.reminders.services import reminders_create, webhook_targets

logger = logging.getLogger(__name__)

# The Celery task that sends one batch of due external deliveries (incidents/reminders/tasks.py).
DELIVER_TASK = "hindsight.reminders.deliver"


@dataclass
class SweepReport:
    created: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    sent: SendReport = field(default_factory=SendReport)
    queued: int = 0

    def summary(self) -> str:
        created = ", ".join(f"{rule} {count}" for rule, count in sorted(self.created.items())) or "none"
        sent = ", ".join(f"{channel} {count}" for channel, count in sorted(self.sent.sent.items())) or "none"
        return (
            f"New reminders: {created}. Sent: {sent}. Retrying: {self.sent.retrying}. "
            f"Given up: {self.sent.failed + self.sent.interrupted}."
            + (f" Delivery tasks queued: {self.queued}." if self.queued else "")
        )


def sweep(*, now: datetime, send: bool = True, external: str = "inline") -> SweepReport:
    """Run every rule at `now`, record the reminders it calls for, and send those due.

    In-app notifications are written here, in bulk. Emails and webhooks are sent here too with
    `external="inline"` (the command, tests); with "queue" (the beat task) they are handed to
    `hindsight.reminders.deliver` tasks, one per batch, so any number of workers send them in
    parallel while the sweep stays short; with "skip" they wait for a later sweep.
    """
    report = SweepReport()
    batch_size: int = hindsight_setting("REMINDER_BATCH_SIZE")
    targets = webhook_targets()
    for rule in RULES:
        for candidates in rule(now=now, batch_size=batch_size):
            report.batches += 1
            for reminder in reminders_create(candidates, now=now, targets=targets):
                report.created[reminder.rule] += 1
                if reminder.in_app_at <= now:  # its in-app notification was written with it
                    report.sent.sent[Channel.IN_APP] += 1
                    report.sent.lines.append(
                        f"{reminder.rule} → {reminder.recipient.get_username()} via in_app: "
                        f"{headline(reminder.rule, reminder.context)}"
                    )
    if not send:
        return report
    if external == "inline":
        report.sent.merge(deliveries_send_due(now=now))
        return report
    report.sent.merge(deliveries_send_due(now=now, channels=[Channel.IN_APP]))
    if external == "queue":
        report.queued = _queue_external(now=now)
    return report


def _queue_external(*, now: datetime) -> int:
    """Enqueue one delivery task per due batch; if the broker is down, send them here instead."""
    queued = 0
    for channel, batches in external_batches_due(now=now).items():
        for _ in range(batches):
            try:
                # By name (incidents/reminders/tasks.py): the sweep does not import its tasks.
                current_app.send_task(DELIVER_TASK, args=[channel], retry=False)
            except Exception:  # noqa: BLE001 — any broker failure: deliver in this process
                logger.warning(
                    "broker unavailable; sending %s reminders in the sweep", channel, exc_info=True
                )
                deliveries_send_due(now=now, channels=[channel])
                break
            queued += 1
    return queued
