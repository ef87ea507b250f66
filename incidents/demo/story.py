"""Helpers that tell an incident's story through the services, each step at its own moment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from incidents.choices import ActionPriority, ActionStatus, Audience, CauseRole, CauseStatus
from incidents.demo.clock import DemoClock
from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.services import (
    action_add,
    action_update,
    cause_add,
    cause_update,
    incident_add_participant,
    incident_declare,
    incident_update,
    status_update_post,
)
from timeline.choices import EventKind
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

# People write an entry a little after the thing happened.
WRITE_DELAY = timedelta(minutes=1)
# Story times are minutes after the start: a day is this many.
DAY = 24 * 60


class Story:
    """One incident's history. Times are given as minutes after `start` (when impact began)."""

    def __init__(self, *, clock: DemoClock, start: datetime, users: dict[str, Any]) -> None:
        self.clock = clock
        self.start = start
        self.users = users
        self.incident: Incident | None = None
        # Writes happen in order even when an entry is back-dated (recorded after later ones).
        self.written: datetime | None = None

    def t(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)

    def _at(self, minutes: float, delay: timedelta = timedelta(0)) -> datetime:
        moment = self.t(minutes)
        written = moment + delay
        if self.written is not None and written < self.written:
            written = self.written
        self.written = self.clock.set(min(written, self.clock.real_now))
        return moment

    @property
    def record(self) -> Incident:
        assert self.incident is not None, "declare the incident first"
        return self.incident

    def declare(
        self,
        minutes: float,
        by: str,
        *,
        title: str,
        severity: str,
        detected: float,
        commander: str | None = None,
        services: Iterable[str] = (),
        summary: str = "",
        impact: str = "",
        private: bool = False,
        tags: Iterable[str] = (),
    ) -> Incident:
        self._at(minutes)
        self.incident = incident_declare(
            actor=self.users[by],
            title=title,
            severity=severity,
            summary=summary,
            impact=impact,
            services=list(services),
            commander=self.users[commander] if commander else None,
            private=private,
            tags=list(tags),
            started_at=self.start,
            detected_at=self.t(detected),
        )
        return self.incident

    def event(self, minutes: float, by: str, kind: str, body: str, *, key: bool = False) -> TimelineEvent:
        occurred = self._at(minutes, WRITE_DELAY)
        return timeline_event_add(
            incident=self.record,
            actor=self.users[by],
            kind=kind,
            body=body,
            occurred_at=occurred,
            is_key=key,
        )

    def note(self, minutes: float, by: str, body: str, *, key: bool = False) -> TimelineEvent:
        return self.event(minutes, by, EventKind.NOTE, body, key=key)

    def change(self, minutes: float, by: str, **data: Any) -> Incident:
        """Change the incident as of `minutes` (status moves stamp their milestones then)."""
        self._at(minutes)
        for field in ("commander",):
            if field in data and isinstance(data[field], str):
                data[field] = self.users[data[field]]
        self.incident = incident_update(incident=self.record, actor=self.users[by], data=data)
        return self.incident

    def add_participant(self, minutes: float, by: str, who: str) -> None:
        self._at(minutes)
        incident_add_participant(incident=self.record, actor=self.users[by], user=self.users[who])

    def update(self, minutes: float, by: str, message: str, *, public: bool = False) -> StatusUpdate:
        self._at(minutes)
        return status_update_post(
            incident=self.record,
            actor=self.users[by],
            message=message,
            audience=Audience.PUBLIC if public else Audience.INTERNAL,
        )

    def cause(
        self,
        minutes: float,
        by: str,
        category: str,
        description: str,
        *,
        role: str = CauseRole.CONTRIBUTING,
        status: str = CauseStatus.SUSPECTED,
        evidence: Iterable[TimelineEvent] = (),
    ) -> Cause:
        self._at(minutes)
        return cause_add(
            incident=self.record,
            actor=self.users[by],
            category=category,
            description=description,
            role=role,
            status=status,
            evidence=list(evidence),
        )

    def cause_change(self, minutes: float, by: str, cause: Cause, **data: Any) -> Cause:
        self._at(minutes)
        return cause_update(cause=cause, actor=self.users[by], data=data)

    def action(
        self,
        minutes: float,
        by: str,
        title: str,
        *,
        kind: str,
        priority: str = ActionPriority.P2,
        owner: str | None = None,
        description: str = "",
        due_in_days: int | None = None,
        causes: Iterable[Cause] = (),
        ticket_url: str = "",
    ) -> RemediationAction:
        moment = self._at(minutes)
        due: date | None = (moment + timedelta(days=due_in_days)).date() if due_in_days is not None else None
        return action_add(
            incident=self.record,
            actor=self.users[by],
            title=title,
            description=description,
            kind=kind,
            priority=priority,
            owner=self.users[owner] if owner else None,
            due_date=due,
            causes=list(causes),
            ticket_url=ticket_url,
        )

    def action_progress(self, minutes: float, by: str, action: RemediationAction) -> RemediationAction:
        self._at(minutes)
        return action_update(action=action, actor=self.users[by], data={"status": ActionStatus.IN_PROGRESS})

    def action_done(self, minutes: float, by: str, action: RemediationAction, note: str) -> RemediationAction:
        self._at(minutes)
        return action_update(
            action=action, actor=self.users[by], data={"status": ActionStatus.DONE, "completion_note": note}
        )

    def action_wont_do(
        self, minutes: float, by: str, action: RemediationAction, reason: str
    ) -> RemediationAction:
        self._at(minutes)
        return action_update(
            action=action,
            actor=self.users[by],
            data={"status": ActionStatus.WONT_DO, "completion_note": reason},
        )


# (title, teller). Tellers get the story's start time; the order is the order of declaration.
Teller = Callable[[Story], None]
