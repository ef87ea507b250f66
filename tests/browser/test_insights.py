"""Insights in a real browser: the charts and the table under them tell the same story."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import CauseFactory, IncidentFactory, RemediationActionFactory

pytestmark = pytest.mark.browser


def test_insights_charts_agree_with_the_tables(page, sign_in, admin_user, owner, transactional_db):
    for month, severity, minutes in [(1, "SEV1", 90), (1, "SEV2", 30), (2, "SEV2", 45), (3, "SEV3", 200)]:
        started = datetime(2026, month, 10, 9, tzinfo=UTC)
        incident = IncidentFactory(
            severity=severity, status="resolved", started_at=started,
            detected_at=started + timedelta(minutes=4), acknowledged_at=started + timedelta(minutes=9),
            mitigated_at=started + timedelta(minutes=minutes // 2),
            resolved_at=started + timedelta(minutes=minutes),
        )  # fmt: skip
        CauseFactory(incident=incident, category="capacity" if month < 3 else "change")
        RemediationActionFactory(incident=incident, owner=owner)
    IncidentFactory(severity="SEV1", private=True, started_at=datetime(2026, 2, 1, tzinfo=UTC),
                    detected_at=datetime(2026, 2, 1, tzinfo=UTC), title="Private one")  # fmt: skip

    sign_in(admin_user)
    page.goto("/insights/?since=2026-01-01&until=2026-03-31")
    assert page.locator("#incident-count").inner_text() == "5"
    bars = page.locator("svg.chart rect.bar[data-chart]")
    assert bars.count() > 20
    checked = 0
    for index in range(bars.count()):
        bar = bars.nth(index)
        chart, group, series, value = (
            bar.get_attribute(name) for name in ("data-chart", "data-group", "data-series", "data-value")
        )
        cell = page.locator(f'[data-chart="{chart}"][data-group="{group}"][data-series="{series}"]:not(rect)')
        assert cell.count() == 1, (chart, group, series)
        assert cell.get_attribute("data-value") == value, (chart, group, series)
        title = bar.locator("title").text_content()
        # The hover text reads as labels ("Jan 2026 · Median: 1 h"), the keys stay in data attributes.
        assert re.fullmatch(r"[^·_]+ · [^:_]+: .+", title), title
        if chart == "incidents-per-month":
            assert cell.inner_text() == value
            assert title.endswith(f": {value}")
        checked += 1
    assert checked == bars.count()

    # The stacked bars of January add up to the table's total for January.
    january = page.locator('svg#chart-incidents-per-month rect[data-group="2026-01"]')
    total = sum(int(january.nth(i).get_attribute("data-value")) for i in range(january.count()))
    row = page.locator("#table-incidents-per-month tr", has_text="2026-01")
    assert row.locator("td").last.inner_text() == str(total) == "2"
    # The CSV download is offered with the same filters.
    assert "since=2026-01-01" in page.locator("a", has_text="Download CSV").get_attribute("href")


def test_the_action_form_shows_hints_while_an_item_is_written(page, sign_in, owner, transactional_db):
    incident = IncidentFactory(title="Queue backlog", commander=owner, reporter=owner)
    sign_in(owner)
    page.goto(incident.get_absolute_url())
    page.locator("summary", has_text="Add an action item").click()
    page.fill("#id_action-title", "Look into the queue")
    page.locator("#id_action-title").blur()
    # The hints slot may first show the empty form's hints; wait for the ones about this title.
    expect(page.locator(".action-hints li", has_text="'look into'")).to_have_count(1)
    page.fill("#id_action-title", "Alert when queue depth exceeds 10000 for 5 minutes")
    page.locator("#id_action-title").blur()
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.action-hints li')]"
        ".some(li => li.innerText.includes('look into'))"
    )
    assert page.dialogs == []
