"""The one paired difference: two policies on the same households, compared household by household (`comparison`:
with what it measures and its verdict, `verdict.described`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hrl_trainer.evaluation.verdict import described


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """`{"diff": mean of a - b, "stderr": its standard error}` over households; `a` and `b` are (B,) results of
    two policies on the same B households (0 standard error for a single household)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    stderr = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {"diff": float(diff.mean()), "stderr": stderr}


def comparison(a: np.ndarray, b: np.ndarray, measure: str) -> dict[str, Any]:
    """`paired_difference(a, b)` of `measure`, `described`."""
    return described(paired_difference(a, b), measure, len(np.asarray(a)))
