"""The quick-add box's time parser, as a table of what responders type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from timeline.timeparse import TimeParseError, parse_quick_time

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")

# Monday 2026-11-23 14:30 UTC.
NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", NOW),
        ("now", NOW),
        ("  NOW ", NOW),
        ("14:05", utc(2026, 11, 23, 14, 5)),
        ("14.05", utc(2026, 11, 23, 14, 5)),
        ("14h05", utc(2026, 11, 23, 14, 5)),
        ("9:07", utc(2026, 11, 23, 9, 7)),
        ("14:05:30", utc(2026, 11, 23, 14, 5, 30)),
        ("14:33", utc(2026, 11, 23, 14, 33)),  # within the 5-minute tolerance: still today
        ("14:40", utc(2026, 11, 22, 14, 40)),  # ahead of now: yesterday's
        ("23:50", utc(2026, 11, 22, 23, 50)),
        ("-10m", NOW - timedelta(minutes=10)),
        ("-10min", NOW - timedelta(minutes=10)),
        ("- 10m", NOW - timedelta(minutes=10)),
        ("-2h", NOW - timedelta(hours=2)),
        ("-1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("-90s", NOW - timedelta(seconds=90)),
        ("yesterday 23:50", utc(2026, 11, 22, 23, 50)),
        ("Yesterday 08:00", utc(2026, 11, 22, 8, 0)),
        ("today 09:15", utc(2026, 11, 23, 9, 15)),
        ("2026-11-20 14:05", utc(2026, 11, 20, 14, 5)),
        ("2026-11-20T14:05", utc(2026, 11, 20, 14, 5)),
        ("2026-11-23T14:05:00+01:00", utc(2026, 11, 23, 13, 5)),
        ("2026-11-23T14:05:00Z", utc(2026, 11, 23, 14, 5)),
    ],
)
def test_it_reads_what_responders_type_in_utc(text: str, expected: datetime) -> None:
    assert parse_quick_time(text, now=NOW, tz=UTC) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 15:30 in Paris (UTC+1 in November).
        ("14:05", utc(2026, 11, 23, 13, 5)),
        ("15:40", utc(2026, 11, 22, 14, 40)),
        ("yesterday 23:50", utc(2026, 11, 22, 22, 50)),
        ("2026-11-23 09:00", utc(2026, 11, 23, 8, 0)),
        ("-10m", NOW - timedelta(minutes=10)),
    ],
)
def test_clock_times_are_read_in_the_users_timezone(text: str, expected: datetime) -> None:
    assert parse_quick_time(text, now=NOW, tz=PARIS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:05", datetime(2026, 11, 23, 14, 5, tzinfo=PARIS)),  # yesterday, seen from 00:10
        ("23:55", datetime(2026, 11, 23, 23, 55, tzinfo=PARIS)),
        ("00:05", datetime(2026, 11, 24, 0, 5, tzinfo=PARIS)),
        ("00:14", datetime(2026, 11, 24, 0, 14, tzinfo=PARIS)),  # 4 minutes ahead: tolerated
        ("-20m", datetime(2026, 11, 23, 23, 50, tzinfo=PARIS)),
        ("today 00:01", datetime(2026, 11, 24, 0, 1, tzinfo=PARIS)),
        ("yesterday 22:00", datetime(2026, 11, 23, 22, 0, tzinfo=PARIS)),
    ],
)
def test_across_midnight_a_later_clock_time_means_yesterday(text: str, expected: datetime) -> None:
    just_after_midnight = datetime(2026, 11, 24, 0, 10, tzinfo=PARIS)
    assert parse_quick_time(text, now=just_after_midnight, tz=PARIS) == expected


@pytest.mark.parametrize(
    ("text", "tz", "now"),
    [
        # Paris springs forward on 2026-03-29: 02:00 becomes 03:00.
        ("2026-03-29 02:30", PARIS, utc(2026, 3, 29, 10, 0)),
        ("02:30", PARIS, utc(2026, 3, 29, 10, 0)),
        ("today 02:00", PARIS, utc(2026, 3, 29, 10, 0)),
        ("yesterday 02:59", PARIS, utc(2026, 3, 30, 10, 0)),
        # New York springs forward on 2026-03-08.
        ("2026-03-08 02:30", NEW_YORK, utc(2026, 3, 8, 18, 0)),
    ],
)
def test_a_time_skipped_by_a_dst_change_is_an_error(text: str, tz: ZoneInfo, now: datetime) -> None:
    with pytest.raises(TimeParseError, match="does not exist"):
        parse_quick_time(text, now=now, tz=tz)


@pytest.mark.parametrize(
    ("text", "tz", "now", "expected"),
    [
        # Paris falls back on 2026-10-25: 02:30 happens twice; the first (CEST, UTC+2) is meant.
        ("2026-10-25 02:30", PARIS, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("02:30", PARIS, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 0, 30)),
        # New York falls back on 2026-11-01: 01:30 EDT (UTC-4) comes first.
        ("2026-11-01 01:30", NEW_YORK, utc(2026, 11, 1, 18, 0), utc(2026, 11, 1, 5, 30)),
        # Either side of the change, ordinary times keep their own offset.
        ("2026-10-25 01:59", PARIS, utc(2026, 10, 25, 12, 0), utc(2026, 10, 24, 23, 59)),
        ("2026-10-25 03:00", PARIS, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 2, 0)),
        ("2026-03-29 03:00", PARIS, utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 1, 0)),
        ("2026-11-23 09:00", NEW_YORK, NOW, utc(2026, 11, 23, 14, 0)),
    ],
)
def test_an_ambiguous_autumn_time_means_its_first_occurrence(
    text: str, tz: ZoneInfo, now: datetime, expected: datetime
) -> None:
    assert parse_quick_time(text, now=now, tz=tz) == expected


def test_relative_times_count_real_minutes_across_a_dst_change() -> None:
    # 03:10 CEST on the spring-forward morning is 01:10 UTC; an hour earlier is 01:10 CET (00:10 UTC).
    now = utc(2026, 3, 29, 1, 10)
    assert parse_quick_time("-1h", now=now, tz=PARIS) == utc(2026, 3, 29, 0, 10)


@pytest.mark.parametrize(
    "text", ["soon", "25:00", "14:60", "2026-02-30 10:00", "-", "yesterday", "tomorrow 10:00", "10m"]
)
def test_unreadable_input_is_an_error_with_examples(text: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_quick_time(text, now=NOW, tz=UTC)
    message = str(caught.value)
    assert ("14:05" in message) or ("not a date" in message)


def test_the_result_is_always_timezone_aware() -> None:
    for text in ("14:05", "-10m", "yesterday 23:50", "2026-11-20 14:05", "2026-11-23T14:05:00Z"):
        assert parse_quick_time(text, now=NOW, tz=PARIS).tzinfo is not None


def test_the_result_is_in_utc_so_a_repeated_hour_compares_equal_to_itself() -> None:
    result = parse_quick_time("2026-11-01 01:30", now=utc(2026, 11, 1, 18, 0), tz=NEW_YORK)
    assert result.utcoffset() == timedelta(0)
    assert result == result.astimezone(NEW_YORK).astimezone(UTC)
