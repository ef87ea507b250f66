"""The status page's 90-day uptime bar: days coloured by what public updates announced, never more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents import services
from incidents.insights.uptime import UPTIME_DAYS, ServiceUptime, service_uptime, window_start
from incidents.models import Incident, Service, StatusUpdate

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def today(now: datetime) -> datetime:
    """Midnight UTC today: the start of the bar's last day."""
    return window_start(now) + timedelta(days=UPTIME_DAYS - 1)


def declare(owner: Any, title: str, *, started: datetime, severity: str = "SEV2", **extra: Any) -> Incident:
    return services.incident_declare(
        actor=owner, title=title, severity=severity, services=["checkout"], started_at=started, **extra
    )


def announce(
    owner: Any, incident: Incident, at: datetime, status: str = "investigating", **extra: Any
) -> None:
    services.status_update_post(
        incident=incident,
        actor=owner,
        message=f"{status} at {at:%H:%M}",
        audience="public",
        status=status,
        posted_at=at,
        **extra,
    )


def checkout(now: datetime) -> ServiceUptime:
    return next(row for row in service_uptime(now=now) if row.name == "checkout")


def states(row: ServiceUptime) -> dict[str, str]:
    return {day.day.isoformat(): day.state for day in row.days}


def test_the_bar_has_ninety_utc_days_ending_today(owner: Any, now: datetime, today: datetime) -> None:
    Service.objects.create(name="checkout", public=True)
    row = checkout(now)
    assert len(row.days) == UPTIME_DAYS
    assert row.days[-1].day == today.date()
    assert row.days[0].day == (today - timedelta(days=UPTIME_DAYS - 1)).date()
    assert {day.state for day in row.days} == {"operational"}
    assert row.uptime_label == "100%"
    assert row.days[0].text.endswith(": no incidents")


def test_an_outage_across_midnight_colours_both_days_and_no_others(
    owner: Any, now: datetime, today: datetime
) -> None:
    evening = today - timedelta(days=5) + 23 * HOUR
    outage = declare(owner, "Payments fail", started=evening - HOUR)
    announce(owner, outage, evening)  # SEV2 investigating: partial outage
    announce(owner, outage, evening + 2 * HOUR, status="resolved")
    row = checkout(now)
    by_day = states(row)
    before, first, second, after = (
        (evening.date() + timedelta(days=offset)).isoformat() for offset in (-1, 0, 1, 2)
    )
    assert by_day[first] == by_day[second] == "partial_outage"
    assert by_day[before] == by_day[after] == "operational"
    day = next(day for day in row.days if day.day.isoformat() == first)
    assert day.text.endswith(f"Partial outage — \u2068Payments fail\u2069 ({outage.reference})")
    # Two hours down out of the window so far.
    assert row.down_seconds == pytest.approx(2 * 3600)
    assert row.uptime_label == f"{int(100 * (1 - 7200 / row.window_seconds) * 100) / 100:.2f}%"


def test_a_day_takes_the_worst_state_any_public_incident_announced(
    owner: Any, now: datetime, today: datetime
) -> None:
    morning = today - timedelta(days=3) + 8 * HOUR
    slow = declare(owner, "Slow checkout", started=morning, severity="SEV3")
    announce(owner, slow, morning)  # degraded performance
    announce(owner, slow, morning + 8 * HOUR, status="resolved")
    down = declare(owner, "Checkout down", started=morning + HOUR, severity="SEV1")
    announce(owner, down, morning + HOUR)  # major outage
    announce(owner, down, morning + 2 * HOUR, status="monitoring")  # degraded
    announce(owner, down, morning + 3 * HOUR, status="resolved")
    row = checkout(now)
    day = next(day for day in row.days if day.day == morning.date())
    assert day.state == "major_outage"
    # Titles are isolated (U+2068 … U+2069): their direction controls cannot reverse what follows.
    assert day.incidents == (
        f"\u2068Slow checkout\u2069 ({slow.reference})",
        f"\u2068Checkout down\u2069 ({down.reference})",
    )
    # Only the hour of major outage is downtime; degraded performance is slow, not down.
    assert row.down_seconds == pytest.approx(3600)


def test_overlapping_outages_are_counted_once(owner: Any, now: datetime, today: datetime) -> None:
    start = today - timedelta(days=10) + 9 * HOUR
    for title, offset in (("Card payments fail", 0), ("Vouchers fail", 1)):
        incident = declare(owner, title, started=start + offset * HOUR)
        announce(owner, incident, start + offset * HOUR)
        announce(owner, incident, start + (offset + 2) * HOUR, status="resolved")
    assert checkout(now).down_seconds == pytest.approx(3 * 3600)


def test_a_second_of_downtime_never_reads_as_a_hundred_percent(
    owner: Any, now: datetime, today: datetime
) -> None:
    start = today - timedelta(days=2) + 12 * HOUR
    blip = declare(owner, "Blip", started=start, severity="SEV1")
    announce(owner, blip, start)
    announce(owner, blip, start + timedelta(seconds=1), status="resolved")
    row = checkout(now)
    assert row.down_seconds == pytest.approx(1)
    assert row.uptime_label == "99.99%"


def test_an_outage_announced_before_the_window_and_never_cleared_fills_it(
    owner: Any, now: datetime, today: datetime
) -> None:
    long_ago = window_start(now) - timedelta(days=10)
    still_down = declare(owner, "Legacy export broken", started=long_ago, severity="SEV3")
    announce(owner, still_down, long_ago)
    cleared = declare(owner, "Old and fixed", started=long_ago, severity="SEV1")
    announce(owner, cleared, long_ago)
    announce(owner, cleared, long_ago + HOUR, status="resolved")
    row = checkout(now)
    assert {day.state for day in row.days} == {"degraded"}
    assert all("Old and fixed" not in day.text for day in row.days)
    assert row.days[0].incidents == (f"\u2068Legacy export broken\u2069 ({still_down.reference})",)


def test_an_outage_that_ended_at_midnight_leaves_the_next_day_alone(
    owner: Any, now: datetime, today: datetime
) -> None:
    midnight = today - timedelta(days=4)
    outage = declare(owner, "Night outage", started=midnight - 3 * HOUR)
    announce(owner, outage, midnight - 3 * HOUR)
    announce(owner, outage, midnight, status="resolved")
    by_day = states(checkout(now))
    assert by_day[(midnight - HOUR).date().isoformat()] == "partial_outage"
    assert by_day[midnight.date().isoformat()] == "operational"


def test_private_incidents_never_count_or_show(
    owner: Any, participant: Any, now: datetime, today: datetime
) -> None:
    start = today - timedelta(days=6) + 10 * HOUR
    Service.objects.create(name="checkout", public=True)
    secret = declare(owner, "Breach of card vault", started=start, severity="SEV1", private=True)
    # Even a public-audience update on a private incident (written before it was made private,
    # or by mistake) says nothing to the public.
    StatusUpdate.objects.create(
        incident=secret, audience="public", status="investigating", message="Vault down", posted_at=start
    )
    went_private = declare(owner, "Fraud wave", started=start, severity="SEV1")
    announce(owner, went_private, start)
    services.incident_update(incident=went_private, actor=owner, data={"private": True})
    row = checkout(now)
    assert {day.state for day in row.days} == {"operational"}
    assert row.down_seconds == 0
    texts = " ".join(day.text for day in row.days)
    assert "Breach" not in texts
    assert "Fraud" not in texts


def test_internal_updates_and_silent_incidents_do_not_count(
    owner: Any, now: datetime, today: datetime
) -> None:
    start = today - timedelta(days=6) + 10 * HOUR
    Service.objects.create(name="checkout", public=True)
    quiet = declare(owner, "Nobody told the public", started=start, severity="SEV1")
    services.status_update_post(
        incident=quiet, actor=owner, message="Internal only", audience="internal", posted_at=start
    )
    assert {day.state for day in checkout(now).days} == {"operational"}


def test_duplicates_and_false_alarms_do_not_count(owner: Any, now: datetime, today: datetime) -> None:
    start = today - timedelta(days=6) + 10 * HOUR
    alarm = declare(owner, "Not really down", started=start, severity="SEV1")
    announce(owner, alarm, start)
    Incident.objects.filter(pk=alarm.pk).update(false_alarm=True)
    assert {day.state for day in checkout(now).days} == {"operational"}


def test_the_status_page_draws_a_bar_with_a_text_per_day(client: Any, owner: Any, today: datetime) -> None:
    start = today - timedelta(days=1) + 10 * HOUR
    outage = declare(owner, "Checkout <down>", started=start, severity="SEV1")
    announce(owner, outage, start)
    announce(owner, outage, start + HOUR, status="resolved")
    body = client.get("/status/").content.decode()
    bar = body[body.index('data-uptime="checkout"') :]
    bar = bar[: bar.index("</ol>")]
    assert bar.count('class="uptime-day') == UPTIME_DAYS
    assert f'data-day="{start.date().isoformat()}" data-state="major_outage"' in bar
    assert f"Major outage — \u2068Checkout &lt;down&gt;\u2069 ({outage.reference})" in bar
    assert "uptime</span>" in body
