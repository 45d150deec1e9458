"""The one verdict of a comparison, drawn from the very number shown: a mean paired difference and its standard error
(`paired.paired_difference`). Free of NumPy, so that the web process can describe a saved comparison."""

from __future__ import annotations

from typing import Any

VERDICT_STANDARD_ERRORS = 2.0
"""A difference is a verdict ("ahead", "behind") when it is more than this many standard errors from 0."""
VERDICTS = ("ahead", "level", "behind")
STATISTIC = "mean_paired_difference"
UNITS = {"reward": "reward", "real_net_worth": "EUR", "total_spending": "EUR"}
"""The unit of each measure compared (euros: today's euros, divided by the price level)."""


def verdict(mean: float, se: float) -> str:
    """The verdict of a mean paired difference `mean` (first policy minus second) with standard error `se`:
    "ahead" above `VERDICT_STANDARD_ERRORS` standard errors, "behind" below minus that many, else "level"."""
    if mean > VERDICT_STANDARD_ERRORS * se:
        return "ahead"
    if mean < -VERDICT_STANDARD_ERRORS * se:
        return "behind"
    return "level"


def described(paired: dict[str, float], measure: str, households: int | None) -> dict[str, Any]:
    """A paired difference `{"diff", "stderr"}` with what it is and what it says: `measure`, its `unit`, the
    `statistic`, the `households` compared, `mean` and `se` (the same numbers as `diff` and `stderr`) and the
    `verdict` drawn from that very mean and standard error."""
    mean, se = float(paired["diff"]), float(paired["stderr"])
    return {
        **paired,
        "measure": measure,
        "unit": UNITS.get(measure, measure),
        "statistic": STATISTIC,
        "households": households,
        "mean": mean,
        "se": se,
        "verdict": verdict(mean, se),
    }
