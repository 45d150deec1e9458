"""Thinning long series for display: at most `max_points` items, evenly spread, first and last kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def thin_evenly(items: Sequence[T], max_points: int | None) -> list[T]:
    """At most `max_points` of `items`, evenly spaced by index, always keeping the first and the last.

    `None` (or a limit at least as long as `items`) keeps everything; `max_points` must be >= 2
    otherwise, so that both ends fit.
    """
    count = len(items)
    if max_points is None or count <= max_points:
        return list(items)
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    # Indices 0 .. count-1 in max_points even steps; rounding keeps them strictly increasing
    # because the step (count-1)/(max_points-1) is above 1 here.
    step = (count - 1) / (max_points - 1)
    return [items[round(i * step)] for i in range(max_points)]


def thin_columns(columns: dict[str, list], max_points: int | None) -> dict[str, list]:
    """Columns of one table (lists of equal length) thinned together: in each, the rows `thin_evenly` keeps."""
    count = max((len(values) for values in columns.values()), default=0)
    rows = thin_evenly(range(count), max_points)
    return {name: [values[row] for row in rows] for name, values in columns.items()}
