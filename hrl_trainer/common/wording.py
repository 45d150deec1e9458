"""Validation messages in words, built in one place: bounds written as people write numbers ("from 1 to 100,000",
"at most 100,000,000"), lengths in characters, and the rules of names and run ids, never a regular expression."""

from __future__ import annotations

import math

NAME_RULE = "lowercase letters, digits, - and _ only, at most 64 characters"
"""The one name rule (`paths.NAME_PATTERN`) in words."""
RUN_ID_RULE = "the scenario's name, then -YYYYMMDD-HHMMSS- and 4 hex digits (torino_single-20261201-073012-3f9a)"
"""The run id rule (`store.runs.RUN_ID_PATTERN`) in words."""


def number(value: float) -> str:
    """`value` as a person writes it: thousands separated by commas, no trailing `.0` (100,000,000; 0.5; -0.05)."""
    if isinstance(value, bool) or not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:,.0f}"


def bounds(
    low: float | None = None, high: float | None = None, *, low_inclusive: bool = True, high_inclusive: bool = True
) -> str:
    """The range of accepted values in words: "from 1 to 100,000", "at least 2", "at most 100,000,000",
    "more than 0", "less than 5", "more than 0 and at most 5"."""
    if low is not None and high is not None and low_inclusive and high_inclusive:
        return f"from {number(low)} to {number(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'at least' if low_inclusive else 'more than'} {number(low)}")
    if high is not None:
        parts.append(f"{'at most' if high_inclusive else 'less than'} {number(high)}")
    return " and ".join(parts) or "any number"


def length(low: int | None = None, high: int | None = None, what: str = "characters") -> str:
    """An accepted length in words: "at most 80 characters", "1 to 32 characters", "at least 1 item"."""
    if low and high is not None:
        return f"{number(low)} to {number(high)} {what}"
    if high is not None:
        return f"at most {number(high)} {what if high != 1 else what.removesuffix('s')}"
    return f"at least {number(low or 0)} {what if low != 1 else what.removesuffix('s')}"


def sentence(text: str) -> str:
    """`text` as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
