"""Recipients' timezones, quiet hours and weekends, including daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from incidents.reminders.models import Reminder
from incidents.reminders.quiet import QuietHours
from incidents.reminders.sweep import sweep
from tests.factories import IncidentFactory, RemediationActionFactory, UserFactory
from tests.reminders.conftest import notified, set_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(db):
    """Lives in New York, default quiet hours 20:00–08:00 and quiet weekends."""
    return set_profile(UserFactory(username="nora", role="responder"), tz="America/New_York")


def _due_today(user, now):
    local_today = now.astimezone(QuietHours.of(user).zone).date()
    return RemediationActionFactory(owner=user, due_date=local_today, title="Renew the certificate")


def _subjects() -> list[str]:
    return [message.subject.removeprefix("[Hindsight] ") for message in mail.outbox]


def test_a_reminder_during_the_night_is_in_the_bell_at_once_and_emailed_in_the_morning(nora):
    late_evening = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # Wed 23:00 EST
    _due_today(nora, late_evening)
    sweep(now=late_evening)
    reminder = Reminder.objects.get(recipient=nora)
    headline = f"Due today: Renew the certificate ({reminder.incident.reference})"
    # The bell makes no sound: it is up to date at once. Only the email waits for the morning.
    assert notified(nora) == [headline]
    assert _subjects() == []
    assert reminder.deliver_after == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # Thu 08:00 EST
    sweep(now=datetime(2026, 11, 26, 12, 59, tzinfo=UTC))
    assert _subjects() == []
    sweep(now=datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    assert _subjects() == [headline]
    assert notified(nora) == [headline], "held email, not a second notification"


def test_the_day_is_the_recipients_day_not_utc(db):
    kiri = set_profile(
        UserFactory(username="kiri"), tz="Pacific/Auckland", start=None, end=None, weekends=False
    )
    # 12:00 UTC on Wednesday is already 01:00 on Thursday in Auckland.
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    RemediationActionFactory(owner=kiri, due_date=now.date() + timedelta(days=1), title="Thursday item")
    sweep(now=now)
    assert [title.split(":")[0] for title in notified(kiri)] == ["Due today"]


def test_weekend_emails_wait_for_monday_morning(nora):
    saturday_noon = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # 12:00 EST
    _due_today(nora, saturday_noon)
    sweep(now=saturday_noon)
    sweep(now=datetime(2026, 11, 29, 17, 0, tzinfo=UTC))  # Sunday
    assert len(notified(nora)) == 1
    assert _subjects() == []
    sweep(now=datetime(2026, 11, 30, 13, 0, tzinfo=UTC))  # Monday 08:00 EST
    assert [subject for subject in _subjects() if not subject.startswith("Your week")] == notified(nora)
    assert len(notified(nora)) == 1


def test_someone_without_quiet_weekends_is_reminded_on_saturday(nora):
    set_profile(nora, tz="America/New_York", weekends=False)
    saturday_noon = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    _due_today(nora, saturday_noon)
    sweep(now=saturday_noon)
    assert len(notified(nora)) == 1


def test_live_sev1_reminders_ignore_quiet_hours_and_weekends(nora):
    three_am_sunday = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)  # 03:00 EST on Sunday
    IncidentFactory(
        severity="SEV1",
        commander=nora,
        started_at=three_am_sunday - timedelta(hours=2),
        detected_at=three_am_sunday - timedelta(hours=1),
    )
    sweep(now=three_am_sunday)
    assert len(notified(nora)) == 1


def test_quiet_hours_end_at_local_eight_across_the_autumn_clock_change(db):
    berlin = set_profile(UserFactory(username="bertha"), tz="Europe/Berlin", weekends=False)
    # Saturday 24 Oct 2026, 22:00 CEST (UTC+2); clocks go back at 03:00 that night.
    evening = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    RemediationActionFactory(owner=berlin, due_date=evening.date())
    sweep(now=evening)
    reminder = Reminder.objects.get(recipient=berlin)
    # 08:00 CET (UTC+1) is 07:00 UTC — not ten hours after 22:00 in fixed-offset arithmetic.
    assert reminder.deliver_after == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_quiet_hours_end_at_local_eight_across_the_spring_clock_change(nora):
    set_profile(nora, tz="America/New_York", weekends=False)
    # Saturday 7 Mar 2026, 21:00 EST (UTC-5); at 02:00 clocks jump to 03:00 EDT (UTC-4).
    evening = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    RemediationActionFactory(owner=nora, due_date=datetime(2026, 3, 7).date())
    sweep(now=evening)
    reminder = Reminder.objects.get(recipient=nora)
    assert reminder.deliver_after == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_quiet_hours_ending_inside_a_skipped_hour_end_at_the_first_real_moment():
    quiet = QuietHours(timezone="America/New_York", start=time(22, 0), end=time(2, 30), weekends=False)
    night = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # 23:00 EST on 7 March
    # 02:30 does not exist that night; 03:30 EDT (07:30 UTC) is when the hour resumes.
    assert quiet.next_allowed(night) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_daytime_quiet_hours_and_no_quiet_hours():
    lunch = QuietHours(timezone="UTC", start=time(12), end=time(13), weekends=False)
    assert lunch.next_allowed(datetime(2026, 11, 25, 12, 30, tzinfo=UTC)) == datetime(
        2026, 11, 25, 13, 0, tzinfo=UTC
    )
    never = QuietHours(timezone="UTC", start=None, end=None, weekends=False)
    moment = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert never.next_allowed(moment) == moment


def test_an_unknown_timezone_falls_back_to_utc():
    quiet = QuietHours(timezone="Mars/Olympus_Mons", start=time(20), end=time(8), weekends=False)
    assert quiet.next_allowed(datetime(2026, 11, 25, 21, 0, tzinfo=UTC)) == datetime(
        2026, 11, 26, 8, 0, tzinfo=UTC
    )


def test_an_overdue_reminder_replaces_a_due_soon_email_still_held_by_quiet_hours(nora):
    action = RemediationActionFactory(owner=nora, due_date=datetime(2026, 11, 26).date(), title="Renew it")
    sweep(now=datetime(2026, 11, 26, 4, 0, tzinfo=UTC))  # Wed 23:00 EST: due tomorrow, email held
    sweep(now=datetime(2026, 11, 26, 5, 30, tzinfo=UTC))  # Thu 00:30 EST: due today, email held too
    reference = action.incident.reference
    assert notified(nora) == [f"Due tomorrow: Renew it ({reference})", f"Due today: Renew it ({reference})"]
    assert mail.outbox == []

    morning = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # Thu 08:00 EST
    sweep(now=morning)
    sweep(now=morning + timedelta(minutes=1))
    # One email about the item, the one that is still true.
    assert [message.subject for message in mail.outbox] == [f"[Hindsight] Due today: Renew it ({reference})"]
