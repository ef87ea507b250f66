"""Bar charts drawn on the server as SVG: no JavaScript, no CDN, readable without colour.

Each bar carries `data-chart`, `data-group`, `data-series` and `data-value`, and a <title> that
browsers show on hover and screen readers read; the table under the chart has the same keys, so
a test (or a reader) can check one against the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The drawing's own units; the SVG scales to the card's full width (static/css/insights.css), so
# text set at 13 units reads at about 13–15 px on a laptop. On a phone the chart scrolls inside its
# box rather than shrinking its text to nothing.
WIDTH = 1000
HEIGHT = 320
MARGIN_LEFT = 84
MARGIN_RIGHT = 12
MARGIN_BOTTOM = 64
MARGIN_TOP = 16


@dataclass(frozen=True)
class Series:
    """One series of bars: `name` is its key (data attributes and tables), `label` what readers see."""

    name: str
    values: Sequence[float | None]
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or self.name


# Grid steps for duration axes, in seconds: a quarter of the axis is one of these.
DURATION_STEPS = (15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


def _duration_ceiling(value: float) -> float:
    """Return four round durations' worth at or above `value` (so grid lines fall on 15m, 1h, 1d…)."""
    for step in DURATION_STEPS:
        if value <= 4 * step:
            return 4 * step
    return _nice_ceiling(value)


def _count_ceiling(value: float) -> int:
    """Return the top of a count axis: four equal whole-number steps (1, 2, 5, 10, 20, 25, 50 …)."""
    needed = max(value, 1) / 4
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= needed:
                return 4 * step * magnitude
        magnitude *= 10


def _nice_ceiling(value: float) -> float:
    """Return a round number at or above `value` for the top of the axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    *,
    chart_id: str,
    title: str,
    groups: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    durations: bool = False,
    group_labels: Sequence[str] | None = None,
    x_label: str = "",
    y_label: str = "",
) -> SafeString:
    """Return an SVG bar chart: one group of bars per entry of `groups`, one bar per series.

    `groups` are keys (data attributes); `group_labels` what the axis shows for them. Counts get
    whole-number ticks; `durations` get ticks on round durations formatted by `fmt`. `x_label`
    and `y_label` name the axes and their units.
    """
    shown_groups = list(group_labels) if group_labels is not None else list(groups)
    totals = [
        sum(s.values[i] or 0 for s in series)
        if stacked
        else max((s.values[i] or 0 for s in series), default=0)
        for i in range(len(groups))
    ]
    highest = max(totals, default=0)
    top = _duration_ceiling(highest) if durations else _count_ceiling(highest)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / max(len(groups), 1)
    bars_per_slot = 1 if stacked else max(len(series), 1)
    bar_width = max(min(slot * 0.8 / bars_per_slot, 48), 1)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_height - value / top * plot_height

    parts: list[SafeString] = []
    for tick in range(5):
        value = top * tick / 4
        y = y_of(value)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                MARGIN_LEFT,
                WIDTH - MARGIN_RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                MARGIN_LEFT - 8,
                f"{y + 4:.1f}",
                (fmt(value) if value else "0") if durations else f"{value:.0f}",
            )
        )
    label_every = max(1, -(-len(groups) // 16))
    for i, group in enumerate(groups):
        x0 = MARGIN_LEFT + i * slot + (slot - bar_width * bars_per_slot) / 2
        base = 0.0
        for j, s in enumerate(series):
            raw = s.values[i]
            if raw is None:
                continue
            value = float(raw)
            height = value / top * plot_height
            x = x0 if stacked else x0 + j * bar_width
            y = y_of(base + value)
            parts.append(
                format_html(
                    '<rect class="bar series-{}" x="{}" y="{}" width="{}" height="{}" data-chart="{}" '
                    'data-group="{}" data-series="{}" data-value="{}"><title>{} · {}: {}</title></rect>',
                    j,
                    f"{x:.1f}",
                    f"{y:.1f}",
                    f"{bar_width:.1f}",
                    f"{height:.1f}",
                    chart_id,
                    group,
                    s.name,
                    f"{value:g}",
                    shown_groups[i],
                    s.shown,
                    fmt(value),
                )
            )
            if stacked:
                base += value
        if i % label_every == 0:
            parts.append(
                format_html(
                    '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{MARGIN_LEFT + i * slot + slot / 2:.1f}",
                    HEIGHT - MARGIN_BOTTOM + 18,
                    shown_groups[i],
                )
            )
    if x_label:
        parts.append(
            format_html(
                '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                f"{MARGIN_LEFT + plot_width / 2:.1f}",
                HEIGHT - MARGIN_BOTTOM + 38,
                x_label,
            )
        )
    if y_label:
        parts.append(
            format_html(
                '<text class="axis-label" transform="rotate(-90)" x="{}" y="18" '
                'text-anchor="middle">{}</text>',
                f"{-(MARGIN_TOP + plot_height / 2):.1f}",
                y_label,
            )
        )
    offsets, x = [], float(MARGIN_LEFT)
    for s in series:
        offsets.append(x)
        x += 28 + 7.5 * len(s.shown)
    legend = format_html_join(
        "",
        '<g class="legend-item"><rect class="bar series-{}" x="{}" y="{}" width="10" height="10"></rect>'
        '<text class="axis" x="{}" y="{}">{}</text></g>',
        (
            (j, f"{offsets[j]:.0f}", HEIGHT - 14, f"{offsets[j] + 15:.0f}", HEIGHT - 4, s.shown)
            for j, s in enumerate(series)
            if len(series) > 1
        ),
    )
    return format_html(
        # The box scrolls sideways on a phone, so it takes keyboard focus (to scroll with the arrow
        # keys) and is named by its chart.
        '<div class="chart-wrap" tabindex="0" role="region" aria-labelledby="chart-{}-title">'
        '<svg class="chart" id="chart-{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="chart-{}-title"><title id="chart-{}-title">{}</title>{}{}</svg></div>',
        chart_id,
        chart_id,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        title,
        mark_safe("".join(parts)),  # noqa: S308 — every part was built by format_html
        legend,
    )
