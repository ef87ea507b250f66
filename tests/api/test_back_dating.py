"""An incident written up after the fact gets a true timeline: status updates and cause status
changes keep when they happened (API, UI), and so does the postmortem built from them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Cause, Incident, StatusUpdate
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate
from incidents.services import cause_update
from tests.factories import CauseFactory, IncidentFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def _z(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def last_week(owner: Any) -> Incident:
    """An incident that happened three days ago and is being written up today."""
    started = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    return IncidentFactory(
        title="Queue backlog",
        commander=owner,
        reporter=owner,
        status="resolved",
        started_at=started,
        detected_at=started + timedelta(minutes=5),
        resolved_at=started + timedelta(hours=2),
    )


# ---------------------------------------------------------------- status updates


def test_a_status_update_posted_three_days_ago_happens_then_in_the_timeline_and_postmortem(
    as_owner: Any, last_week: Incident
) -> None:
    posted = last_week.started_at + timedelta(minutes=30)

    response = as_owner.post(
        f"/api/v1/incidents/{last_week.reference}/updates/",
        {"message": "Backlog is draining.", "audience": "public", "posted_at": _z(posted)},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["posted_at"] == _z(posted)
    update = StatusUpdate.objects.get(pk=response.json()["id"])
    assert update.posted_at == posted
    assert update.event.kind == "communication"
    assert update.event.occurred_at == posted
    postmortem_generate(incident_id=last_week.pk)
    appendix = Postmortem.objects.get(incident=last_week).sections.get(key="appendix").body
    line = next(line for line in appendix.splitlines() if "Backlog is draining" in line)
    assert "· T+00:30 ·" in line
    offsets = re.findall(r"T\+(\d+):\d\d", appendix)
    assert offsets
    assert max(int(hours) for hours in offsets) < 24  # not T+72:…, the time the record was written


def test_a_status_update_without_a_time_is_posted_now(as_owner: Any, last_week: Incident) -> None:
    before = timezone.now()
    response = as_owner.post(
        f"/api/v1/incidents/{last_week.reference}/updates/", {"message": "Still looking."}, format="json"
    )
    assert response.status_code == 201
    assert before <= StatusUpdate.objects.get(pk=response.json()["id"]).posted_at <= timezone.now()


def test_a_status_update_in_the_future_is_a_400_and_posts_nothing(as_owner: Any, last_week: Incident) -> None:
    response = as_owner.post(
        f"/api/v1/incidents/{last_week.reference}/updates/",
        {"message": "All clear.", "posted_at": _z(timezone.now() + timedelta(hours=1))},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["posted_at"] == ["A status update cannot be in the future."]
    assert not StatusUpdate.objects.filter(incident=last_week).exists()
    assert not TimelineEvent.objects.filter(incident=last_week, kind="communication").exists()


def test_a_status_update_a_minute_ahead_is_within_clock_skew(as_owner: Any, last_week: Incident) -> None:
    ahead = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)
    response = as_owner.post(
        f"/api/v1/incidents/{last_week.reference}/updates/",
        {"message": "Posted from a fast clock.", "posted_at": _z(ahead)},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["posted_at"] == _z(ahead)


def test_the_status_update_form_takes_when_it_went_out(
    client_for: Any, owner: Any, last_week: Incident
) -> None:
    before = timezone.now()
    response = client_for(owner).post(
        reverse("status-update-post", args=[last_week.reference]),
        {"update-audience": "internal", "update-message": "Paged the queue team.", "update-posted_at": "-2h"},
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.get(incident=last_week)
    assert abs((before - update.posted_at) - timedelta(hours=2)) < timedelta(seconds=30)
    assert update.event.occurred_at == update.posted_at


def test_the_status_update_form_refuses_a_time_it_cannot_read(
    client_for: Any, owner: Any, last_week: Incident
) -> None:
    response = client_for(owner).post(
        reverse("status-update-post", args=[last_week.reference]),
        {"update-audience": "internal", "update-message": "Hm.", "update-posted_at": "next tuesday"},
    )
    assert response.status_code == 422
    assert not StatusUpdate.objects.filter(incident=last_week).exists()


# ---------------------------------------------------------------- causes


def test_confirming_a_cause_at_a_given_time_writes_a_system_entry_at_that_time(
    as_owner: Any, last_week: Incident
) -> None:
    cause = CauseFactory(incident=last_week, role="root_cause", category="software", description="Leaky pool")
    confirmed = last_week.started_at + timedelta(minutes=40)

    response = as_owner.patch(
        f"/api/v1/causes/{cause.pk}/",
        {"status": "confirmed", "status_changed_at": _z(confirmed)},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status_changed_at"] == _z(confirmed)
    entry = TimelineEvent.objects.get(incident=last_week, source="system")
    assert entry.occurred_at == confirmed
    assert entry.kind == "status_change"
    assert entry.body == "Cause confirmed (was suspected): root cause, software — Leaky pool"
    postmortem_generate(incident_id=last_week.pk)
    causes = Postmortem.objects.get(incident=last_week).sections.get(key="causes").body
    assert (
        f"**Confirmed** · _Software_ (since {confirmed:%Y-%m-%d %H:%M} UTC, T+00:40) — Leaky pool" in causes
    )


def test_a_status_change_without_a_time_happens_now(owner: Any, last_week: Incident) -> None:
    cause = CauseFactory(incident=last_week)
    before = timezone.now()
    cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})
    entry = TimelineEvent.objects.get(incident=last_week, source="system")
    assert before <= entry.occurred_at <= timezone.now()
    assert entry.occurred_at == Cause.objects.get(pk=cause.pk).status_changed_at
    assert entry.body.startswith("Cause ruled out (was suspected):")


def test_editing_a_cause_without_changing_its_status_writes_no_entry(owner: Any, last_week: Incident) -> None:
    cause = CauseFactory(incident=last_week)
    cause_update(cause=cause, actor=owner, data={"description": "Better words"})
    assert not TimelineEvent.objects.filter(incident=last_week).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "confirmed", "status_changed_at": "+1h"}, "A change of status cannot be in the future."),
        ({"status_changed_at": "-1h"}, "Give it with a new status: it is when the status changed."),
        (
            {"status": "suspected", "status_changed_at": "-1h"},
            "Give it with a new status: it is when the status changed.",
        ),
    ],
)
def test_a_status_time_in_the_future_or_without_a_new_status_is_a_400(
    as_owner: Any, last_week: Incident, data: dict[str, Any], message: str
) -> None:
    cause = CauseFactory(incident=last_week)
    sign, hours = data["status_changed_at"][0], int(data["status_changed_at"][1:-1])
    moment = timezone.now() + (timedelta(hours=hours) if sign == "+" else -timedelta(hours=hours))
    response = as_owner.patch(
        f"/api/v1/causes/{cause.pk}/", {**data, "status_changed_at": _z(moment)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["status_changed_at"] == [message]
    saved = Cause.objects.get(pk=cause.pk)
    assert (saved.status, saved.status_changed_at) == ("suspected", None)
    assert not TimelineEvent.objects.filter(incident=last_week).exists()


def test_a_cause_recorded_after_the_fact_keeps_when_it_was_suspected(
    as_owner: Any, last_week: Incident
) -> None:
    suspected = last_week.started_at + timedelta(minutes=10)
    response = as_owner.post(
        f"/api/v1/incidents/{last_week.reference}/causes/",
        {"category": "capacity", "description": "Traffic surge", "status_changed_at": _z(suspected)},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status_changed_at"] == _z(suspected)


def test_the_cause_form_takes_when_the_status_changed(
    client_for: Any, owner: Any, last_week: Incident
) -> None:
    cause = CauseFactory(incident=last_week, category="capacity", role="trigger", description="Surge")
    before = timezone.now()
    response = client_for(owner).post(
        reverse("cause-edit", args=[last_week.reference, cause.pk]),
        {
            "cause-category": "capacity",
            "cause-role": "trigger",
            "cause-status": "ruled_out",
            "cause-description": "Surge",
            "cause-status_changed_at": "-3h",
        },
    )
    assert response.status_code == 302
    entry = TimelineEvent.objects.get(incident=last_week, source="system")
    assert abs((before - entry.occurred_at) - timedelta(hours=3)) < timedelta(seconds=30)
    assert Cause.objects.get(pk=cause.pk).status_changed_at == entry.occurred_at
