"""Tuned baseline splits kept on disk, so that the first simulation after a restart skips the tuning.

    models/baselines/{digest}.json   {"figures": {...}, "tuning_households": N, "splits": {name: [3 shares]}}

The digest is a hash of the household's figures (name and description left out), the number of tuning
households and `VERSION` (raise it when the tuning changes). Files are written atomically; a missing,
damaged or mismatched file is simply tuned again and rewritten.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .atomic import write_text_atomically
from .paths import resolve_models_dir
from .scenarios import Scenario

FOLDER = "baselines"
VERSION = 1
SPLIT_SIZE = 3  # invest / save / spend
TUNED = ("best_fixed", "buffer_first")

Splits = dict[str, np.ndarray]


def _material(figures: Scenario, tuning_households: int) -> dict:
    return {"version": VERSION, "tuning_households": tuning_households, "figures": dataclasses.asdict(figures)}


def cache_path(figures: Scenario, tuning_households: int, models_dir: str | Path | None = None) -> Path:
    """`models/baselines/{digest}.json` for these figures."""
    text = json.dumps(_material(figures, tuning_households), sort_keys=True)
    return resolve_models_dir(models_dir) / FOLDER / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


def read_splits(path: Path, figures: Scenario, tuning_households: int) -> Splits | None:
    """The splits saved at `path` for exactly these figures, or None (absent, damaged, or another household's)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if {k: saved[k] for k in ("version", "tuning_households", "figures")} != _material(figures, tuning_households):
            return None
        splits = {name: np.asarray(saved["splits"][name], dtype=np.float64) for name in TUNED}  # (3,) each
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(split.shape != (SPLIT_SIZE,) or not np.all(np.isfinite(split)) for split in splits.values()):
        return None
    return splits


def cached_splits(figures: Scenario, tuning_households: int, models_dir: str | Path | None,
                  tune: Callable[[Scenario], Splits]) -> Splits:
    """The splits saved for `figures`, else `tune(figures)`, saved (atomically) for the next time."""
    path = cache_path(figures, tuning_households, models_dir)
    splits = read_splits(path, figures, tuning_households)
    if splits is None:
        splits = tune(figures)
        record = {**_material(figures, tuning_households),
                  "splits": {name: [float(x) for x in splits[name]] for name in TUNED}}
        try:
            write_text_atomically(path, json.dumps(record, sort_keys=True))
        except OSError:
            pass  # a read-only models folder: the splits are still right, only not remembered
    return splits
