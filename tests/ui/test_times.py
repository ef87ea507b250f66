"""One rule for times: the viewer's zone, the zone named, UTC on hover; durations in days and hours."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.services.accounts import profile_update
from incidents.templatetags.hindsight import duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (12799 * 60, "8 d 21 h"),
        (3 * 86400, "3 d"),
        (3600 + 5 * 60, "1 h 5 min"),
        (2 * 3600, "2 h"),
        (4 * 60 + 10, "4 min 10 s"),
        (50 * 60 + 10, "50 min"),
        (45, "45 s"),
        (None, "—"),
    ],
)
def test_durations_read_in_days_hours_and_minutes(seconds: int | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_every_time_on_the_incident_page_is_in_the_viewers_zone_with_utc_on_hover(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    profile_update(user=owner, data={"timezone": "Asia/Tokyo"})
    acknowledged = (timezone.now() - timedelta(minutes=90)).replace(second=0, microsecond=0)
    services.incident_update(incident=busy_incident, actor=owner, data={"acknowledged_at": acknowledged})
    page = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()

    in_tokyo = timezone.localtime(acknowledged, timezone=timezone.get_fixed_timezone(9 * 60))
    # The entry Hindsight wrote reads in Tokyo time like the ones people write, not in UTC.
    assert f"Acknowledged time changed from unset to {in_tokyo:%Y-%m-%d %H:%M} JST." in page
    assert " UTC.</p>" not in page
    # Every shown moment names its zone and carries UTC in its title.
    times = re.findall(r'<time class="when"[^>]*title="([^"]+)"[^>]*>(.*?)</time>', page, re.S)
    assert len(times) >= 5
    for title, shown in times:
        assert title.endswith(" UTC")
        assert "JST" in shown
    assert "Times are shown in Asia/Tokyo." in page
    assert 'id="utc-toggle"' in page
