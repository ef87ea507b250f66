"""A crafted history for insights: two months, duplicates, a false alarm and a private incident."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from incidents.models import Incident
from tests.factories import CauseFactory, IncidentFactory, RemediationActionFactory, ServiceFactory

MINUTE = timedelta(minutes=1)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def make_incident(
    *,
    started: datetime,
    severity: str = "SEV2",
    detect: int | None = 5,
    ack: int | None = None,
    mitigate: int | None = None,
    resolve: int | None = None,
    status: str = "resolved",
    **extra: Any,
) -> Incident:
    """Create an incident whose milestones are minutes after `started` (None: not recorded)."""

    def offset(minutes: int | None) -> datetime | None:
        return None if minutes is None else started + minutes * MINUTE

    return IncidentFactory(
        started_at=started,
        detected_at=offset(detect),
        acknowledged_at=offset(ack),
        mitigated_at=offset(mitigate),
        resolved_at=offset(resolve),
        severity=severity,
        status=status,
        **extra,
    )


@pytest.fixture
def history(owner: Any, participant: Any) -> dict[str, Any]:
    api = ServiceFactory(name="api")
    a = make_incident(
        started=at("2026-01-10"), severity="SEV1", ack=10, mitigate=60, resolve=120, services=[api],
        title="API down",
    )  # fmt: skip
    b = make_incident(
        started=at("2026-01-20"), severity="SEV1", detect=15, ack=20, mitigate=180, resolve=240,
        services=[api], title="API slow",
    )  # fmt: skip
    c = make_incident(started=at("2026-02-05"), detect=0, mitigate=30, resolve=90, title="Search stale")
    d = make_incident(
        started=at("2026-02-15"), detect=10, ack=20, status="investigating", title="Login flaky"
    )
    duplicate = make_incident(
        started=at("2026-01-12"), severity="SEV1", ack=1, mitigate=2, resolve=3, duplicate_of=a, title="Dup"
    )
    false_alarm = make_incident(
        started=at("2026-02-01"), severity="SEV3", ack=1, mitigate=2, resolve=3, false_alarm=True,
        title="Nothing wrong",
    )  # fmt: skip
    private = make_incident(
        started=at("2026-02-10"), severity="SEV1", detect=1, ack=2, mitigate=3, resolve=4, private=True,
        commander=owner, reporter=owner, title="Credential leak", services=[api],
    )  # fmt: skip
    private.participants.add(participant)
    CauseFactory(incident=a, category="capacity", role="trigger", status="confirmed")
    CauseFactory(incident=a, category="software", role="root_cause", status="ruled_out")
    CauseFactory(incident=b, category="capacity", role="root_cause", status="suspected")
    CauseFactory(incident=c, category="data", role="trigger", status="confirmed")
    CauseFactory(incident=private, category="security", role="root_cause", status="confirmed")
    today = date.today()
    RemediationActionFactory(
        incident=a, owner=owner, status="done", due_date=date(2026, 1, 30),
        completed_at=at("2026-01-25"), completion_note="Shipped", kind="repair",
    )  # fmt: skip
    RemediationActionFactory(
        incident=a, owner=owner, status="done", due_date=date(2026, 1, 30),
        completed_at=at("2026-02-05"), completion_note="Shipped late", kind="repair",
    )  # fmt: skip
    RemediationActionFactory(
        incident=b, owner=participant, status="open", due_date=today + timedelta(days=10)
    )
    RemediationActionFactory(incident=b, owner=None, status="in_progress", due_date=date(2026, 3, 1))
    RemediationActionFactory(incident=c, owner=participant, status="wont_do", completion_note="Replaced")
    RemediationActionFactory(incident=private, owner=owner, status="open", due_date=date(2026, 3, 1))
    return {
        "api": api, "a": a, "b": b, "c": c, "d": d, "duplicate": duplicate,
        "false_alarm": false_alarm, "private": private,
    }  # fmt: skip
