"""Lifecycle timestamps: their order, their errors, the times a status move stamps, nothing invented."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.choices import LIFECYCLE_FIELDS
from incidents.lifecycle import LABELS, lifecycle_errors
from incidents.models import Incident
from incidents.services import incident_declare, incident_update

PAIRS = list(combinations(LIFECYCLE_FIELDS, 2))


def _base() -> datetime:
    return timezone.now() - timedelta(days=2)


def _ordered(start: datetime) -> dict[str, datetime]:
    """Every lifecycle time, ten minutes apart, in the right order."""
    return {field: start + timedelta(minutes=10 * i) for i, field in enumerate(LIFECYCLE_FIELDS)}


@pytest.mark.parametrize(("earlier", "later"), PAIRS)
def test_each_time_must_not_come_before_an_earlier_milestone(earlier: str, later: str) -> None:
    moment = _base()
    errors = lifecycle_errors({earlier: moment, later: moment - timedelta(seconds=1)})
    assert list(errors) == [later]
    assert LABELS[later] in errors[later]
    assert LABELS[earlier] in errors[later]


@pytest.mark.parametrize(("earlier", "later"), PAIRS)
def test_equal_times_are_fine(earlier: str, later: str) -> None:
    moment = _base()
    assert lifecycle_errors({earlier: moment, later: moment}) == {}


def test_missing_times_are_skipped_and_the_next_is_compared_with_the_latest_present() -> None:
    moment = _base()
    assert lifecycle_errors({"started_at": moment, "resolved_at": moment + timedelta(hours=1)}) == {}
    assert lifecycle_errors({"started_at": moment, "detected_at": None, "mitigated_at": moment}) == {}
    errors = lifecycle_errors({"started_at": moment, "mitigated_at": moment - timedelta(minutes=1)})
    assert list(errors) == ["mitigated_at"]
    assert "started" in errors["mitigated_at"]


@pytest.mark.parametrize(("earlier", "later"), PAIRS)
def test_declaring_with_times_out_of_order_names_the_field_and_saves_nothing(
    owner: Any, earlier: str, later: str
) -> None:
    values = _ordered(_base())
    values[later] = values[earlier] - timedelta(minutes=1)
    with pytest.raises(ValidationError) as caught:
        incident_declare(actor=owner, title="Out of order", severity="SEV3", **values)
    assert set(caught.value.message_dict) == {later}
    assert LABELS[later] in caught.value.message_dict[later][0]
    assert not Incident.objects.exists()


@pytest.mark.parametrize(("earlier", "later"), PAIRS)
def test_updating_a_time_out_of_order_names_the_field_and_changes_nothing(
    owner: Any, earlier: str, later: str
) -> None:
    values = _ordered(_base())
    incident = incident_declare(actor=owner, title="In order", severity="SEV3", **values)
    events_before = incident.events.count()
    bad = values[earlier] - timedelta(minutes=1)
    # Move the later field before the earlier one (or the earlier after the later one).
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=incident, actor=owner, data={later: bad})
    assert later in caught.value.message_dict
    incident.refresh_from_db()
    assert getattr(incident, later) == values[later]
    assert incident.events.count() == events_before


def test_moving_an_earlier_time_after_a_later_one_names_the_later_field(owner: Any) -> None:
    values = _ordered(_base())
    incident = incident_declare(actor=owner, title="In order", severity="SEV3", **values)
    with pytest.raises(ValidationError) as caught:
        incident_update(
            incident=incident,
            actor=owner,
            data={"detected_at": values["mitigated_at"] + timedelta(minutes=1)},
        )
    assert "mitigated_at" in caught.value.message_dict


@pytest.mark.parametrize("field", LIFECYCLE_FIELDS)
def test_future_times_are_refused(owner: Any, field: str) -> None:
    values = _ordered(_base())
    values[field] = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError) as caught:
        incident_declare(actor=owner, title="From the future", severity="SEV3", **values)
    assert field in caught.value.message_dict
    assert "future" in caught.value.message_dict[field][0]


def test_a_title_and_a_severity_are_enough_and_nothing_else_is_invented(owner: Any) -> None:
    before = timezone.now()
    incident = incident_declare(actor=owner, title="Checkout down", severity="SEV2")
    after = timezone.now()
    assert before <= incident.detected_at <= after
    assert incident.started_at == incident.detected_at
    assert incident.acknowledged_at is None
    assert incident.mitigated_at is None
    assert incident.resolved_at is None
    assert incident.status == "investigating"
    assert incident.commander == owner
    assert incident.reporter == owner


def test_a_given_detection_time_is_also_the_start_when_no_start_is_given(owner: Any) -> None:
    detected = _base()
    incident = incident_declare(actor=owner, title="Late entry", severity="SEV3", detected_at=detected)
    assert incident.started_at == detected
    assert incident.time_to_detect == 0


def test_derived_durations_are_measured_from_the_start(owner: Any) -> None:
    values = _ordered(_base())
    incident = incident_declare(actor=owner, title="Durations", severity="SEV3", **values)
    assert incident.time_to_detect == 600
    assert incident.time_to_acknowledge == 1200
    assert incident.time_to_mitigate == 1800
    assert incident.time_to_resolve == 2400
    partial = incident_declare(actor=owner, title="Still running", severity="SEV3")
    assert partial.time_to_acknowledge is None
    assert partial.time_to_mitigate is None
    assert partial.time_to_resolve is None


def test_moving_to_monitoring_stamps_an_empty_mitigated_time_only(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Latency", severity="SEV2")
    before = timezone.now()
    incident = incident_update(incident=incident, actor=owner, data={"status": "monitoring"})
    assert before <= incident.mitigated_at <= timezone.now()
    assert incident.acknowledged_at is None
    assert incident.resolved_at is None


def test_moving_to_resolved_stamps_an_empty_resolved_time_only(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Latency", severity="SEV2")
    incident = incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    assert incident.resolved_at is not None
    assert incident.mitigated_at is None, "resolving must not invent a mitigation time"
    assert incident.acknowledged_at is None


def test_status_moves_keep_times_already_set(owner: Any) -> None:
    values = _ordered(_base())
    incident = incident_declare(actor=owner, title="Known times", severity="SEV2", **values)
    incident = incident_update(incident=incident, actor=owner, data={"status": "monitoring"})
    incident = incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    assert incident.mitigated_at == values["mitigated_at"]
    assert incident.resolved_at == values["resolved_at"]


def test_a_time_given_with_the_status_move_wins_over_the_stamp(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Backfilled", severity="SEV2", detected_at=_base())
    mitigated = _base() + timedelta(hours=1)
    incident = incident_update(
        incident=incident, actor=owner, data={"status": "monitoring", "mitigated_at": mitigated}
    )
    assert incident.mitigated_at == mitigated


def test_declaring_as_resolved_stamps_the_resolved_time(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Found afterwards", severity="SEV4", status="resolved")
    assert incident.resolved_at is not None
    assert incident.mitigated_at is None


def test_other_status_moves_stamp_nothing(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Latency", severity="SEV2")
    incident = incident_update(incident=incident, actor=owner, data={"status": "identified"})
    assert incident.mitigated_at is None
    assert incident.resolved_at is None
    assert incident.acknowledged_at is None


def test_start_and_detection_cannot_be_cleared(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Latency", severity="SEV2")
    with pytest.raises(ValidationError) as caught:
        incident_update(incident=incident, actor=owner, data={"started_at": None, "detected_at": None})
    assert set(caught.value.message_dict) == {"started_at", "detected_at"}
