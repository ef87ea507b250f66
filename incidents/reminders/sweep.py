"""The sweep: evaluate every rule, record new reminders, send what is due.

Beat runs it every minute (`hindsight.reminders.sweep`) and `manage.py run_reminders` runs it once.
Any number may run at once: unique reminder keys and claimed deliveries make each reminder go out
once. `now` is a parameter so tests and the command can run it at any moment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from incidents.conf import hindsight_setting
from incidents.reminders.delivery import SendReport, deliveries_send_due
from incidents.reminders.rules import RULES
from incidents.reminders.services import reminders_create, webhook_targets


@dataclass
class SweepReport:
    created: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    sent: SendReport = field(default_factory=SendReport)

    def summary(self) -> str:
        created = ", ".join(f"{rule} {count}" for rule, count in sorted(self.created.items())) or "none"
        sent = ", ".join(f"{channel} {count}" for channel, count in sorted(self.sent.sent.items())) or "none"
        return (
            f"New reminders: {created}. Sent: {sent}. Retrying: {self.sent.retrying}. "
            f"Given up: {self.sent.failed + self.sent.interrupted}."
        )


def sweep(*, now: datetime, send: bool = True) -> SweepReport:
    """Run every rule at `now`, record the reminders it calls for, and send those due."""
    report = SweepReport()
    batch_size: int = hindsight_setting("REMINDER_BATCH_SIZE")
    targets = webhook_targets()
    for rule in RULES:
        for candidates in rule(now=now, batch_size=batch_size):
            report.batches += 1
            for reminder in reminders_create(candidates, now=now, targets=targets):
                report.created[reminder.rule] += 1
    if send:
        report.sent = deliveries_send_due(now=now)
    return report
