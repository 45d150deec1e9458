"""Tuned baselines kept on disk, so that the first simulation after a restart skips the tuning.

    models/baselines/{digest}.json   {"figures": {...}, "tuning_households": N,
                                      "splits": {name: [3 shares]}, "rules": {name: {number: value}}}

The digest is a hash of the household's figures (name and description left out), the number of tuning
households and `VERSION` (raise it when the tuning changes). Files are written atomically; a missing,
damaged or mismatched file is simply tuned again and rewritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hrl_trainer.baselines.rules import PARAMS_2, PARAMS_4
from hrl_trainer.common.atomic import write_text_atomically
from hrl_trainer.common.once import computed_once
from hrl_trainer.common.paths import BASELINES_FOLDER, resolve_models_dir
from hrl_trainer.env.scenarios import Scenario

VERSION = 2
"""1: the two splits; 2: and the target-liquidity rules' numbers."""
SPLIT_SIZE = 3  # invest / save / spend
SPLITS = ("best_fixed", "buffer_first")
RULES = {"target_liquidity_2": PARAMS_2, "target_liquidity_4": PARAMS_4}
"""Each tuned rule and the names of its numbers."""

Tunings = dict[str, Any]
"""`{"best_fixed": (3,) array, "buffer_first": (3,) array, "target_liquidity_2": {"k", "spend"},
"target_liquidity_4": {"k", "spend_below", "spend_above", "close"}}`."""


def _material(figures: Scenario, tuning_households: int) -> dict:
    return {"version": VERSION, "tuning_households": tuning_households, "figures": dataclasses.asdict(figures)}


def cache_path(figures: Scenario, tuning_households: int, models_dir: str | Path | None = None) -> Path:
    """`models/baselines/{digest}.json` for these figures."""
    text = json.dumps(_material(figures, tuning_households), sort_keys=True)
    return resolve_models_dir(models_dir) / BASELINES_FOLDER / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


def _rule(saved: dict, names: tuple[str, ...]) -> dict[str, float] | None:
    """A saved rule's numbers, if it has exactly `names` and each is a finite number."""
    if not isinstance(saved, dict) or set(saved) != set(names):
        return None
    if not all(
        isinstance(saved[n], (int, float)) and not isinstance(saved[n], bool) and math.isfinite(saved[n]) for n in names
    ):
        return None
    return {n: float(saved[n]) for n in names}


def read_tunings(path: Path, figures: Scenario, tuning_households: int) -> Tunings | None:
    """The tunings saved at `path` for exactly these figures, or None (absent, damaged, or another household's)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if {k: saved[k] for k in ("version", "tuning_households", "figures")} != _material(figures, tuning_households):
            return None
        tunings = {name: np.asarray(saved["splits"][name], dtype=np.float64) for name in SPLITS}  # (3,) each
        rules = {name: _rule(saved["rules"][name], params) for name, params in RULES.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(split.shape != (SPLIT_SIZE,) or not np.all(np.isfinite(split)) for split in tunings.values()):
        return None
    if any(rule is None for rule in rules.values()):
        return None
    return {**tunings, **rules}


def cached_tunings(
    figures: Scenario, tuning_households: int, models_dir: str | Path | None, tune: Callable[[Scenario], Tunings]
) -> Tunings:
    """The tunings saved for `figures`, else `tune(figures)`, saved (atomically) for the next time; callers that
    find them missing together tune once (`once.computed_once`)."""
    path = cache_path(figures, tuning_households, models_dir)

    def write(tunings: Tunings) -> None:
        record = {
            **_material(figures, tuning_households),
            "splits": {name: [float(x) for x in tunings[name]] for name in SPLITS},
            "rules": {name: {n: float(tunings[name][n]) for n in params} for name, params in RULES.items()},
        }
        write_text_atomically(path, json.dumps(record, sort_keys=True))

    return computed_once(
        path, models_dir, lambda: read_tunings(path, figures, tuning_households), lambda: tune(figures), write
    )
