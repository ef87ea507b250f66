"""Order statistics for skewed durations.

Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7, the default of
NumPy, R and spreadsheets): for the sorted values x[0..n-1] and a fraction p, take the position
h = (n - 1) * p; the result is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
So the median of an even count is the mean of the two middle values, p90 of one value is that value,
and an empty set has no percentile (None), never 0. Missing milestones are left out before ranking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float | None], fraction: float) -> float | None:
    """Return the `fraction` (0..1) percentile of the non-missing values, or None when there are none."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    value = ordered[lower] + (position - lower) * (ordered[upper] - ordered[lower])
    # Durations are whole seconds; keep a tenth so interpolated values stay honest but readable.
    return round(value, 1)


def median(values: Iterable[float | None]) -> float | None:
    return percentile(values, 0.5)


def summary(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Return {count, median, p90} of the non-missing values."""
    present = [v for v in values if v is not None]
    return {"count": len(present), "median": percentile(present, 0.5), "p90": percentile(present, 0.9)}
