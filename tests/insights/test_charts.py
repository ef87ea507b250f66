"""Insights charts read on their own: whole-number ticks for counts, named axes, labels not keys."""

from __future__ import annotations

import re
from typing import Any

from incidents.insights.charts import Series, bar_chart
from incidents.templatetags.hindsight import duration


def _ticks(svg: str) -> list[str]:
    return re.findall(r'<text class="axis" x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)</text>', svg)


def test_count_axes_tick_in_whole_numbers() -> None:
    for highest in (1, 3, 7, 13, 45):
        svg = bar_chart(chart_id="c", title="Counts", groups=["a", "b"], series=[Series("n", [highest, 1])])
        ticks = _ticks(svg)
        assert len(ticks) == 5
        assert all(tick.isdigit() for tick in ticks), ticks
        assert int(ticks[-1]) >= highest


def test_axes_are_named_and_groups_and_series_show_their_labels() -> None:
    svg = bar_chart(
        chart_id="c",
        title="Incidents per cause category",
        groups=["root_cause", "change"],
        group_labels=["Root cause", "Change"],
        series=[Series("median", [3600, 7200], "Median"), Series("p90", [7200, 86400], "90th percentile")],
        fmt=duration,
        durations=True,
        x_label="Cause category",
        y_label="Time to resolve (d, h, min)",
    )
    assert '<text class="axis-label"' in svg
    assert ">Cause category<" in svg
    assert ">Time to resolve (d, h, min)<" in svg
    shown = re.sub(r'data-[a-z]+="[^"]*"', "", svg)  # keys may stay in data attributes
    assert "root_cause" not in shown
    assert ">Root cause<" in shown
    assert "90th percentile" in shown
    assert "1 d" in svg  # a duration axis ticks in days and hours, not seconds


def test_the_insights_page_draws_full_width_charts_with_labelled_axes(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get("/insights/").content.decode()
    assert page.count('<div class="chart-wrap" tabindex="0" role="region"') == 5
    assert page.count('class="axis-label"') >= 10
