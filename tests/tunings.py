"""The bundled households' tuned baselines, tuned once per test session and copied into fresh models folders.

A server or a CLI process with an empty models folder tunes the baselines of its first simulation or
evaluation (seconds); a test that only needs them tuned starts its folder with the session's copy instead,
exactly the file that process would have written (`hrl_trainer.baselines.cache`). The copy is the test process's
own memory of them (`hrl_trainer.baselines.tuning.tunings`), which the in-process simulations of the suite share.
Tests of the tuning or of the cache itself, and tests of what happens before anything is tuned, start without it.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from hrl_trainer import load_scenario
from hrl_trainer.baselines.cache import cache_path, cached_tunings
from hrl_trainer.baselines.tuning import figures_key, tunings
from hrl_trainer.common.config import TUNING_HOUSEHOLDS


class TuningStore:
    """Tunings kept under `root` for the session; `seed` copies one household's into a models folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def seed(self, models_dir: Path, scenario_name: str, months: int | None = None) -> Path:
        """Put the tunings of the bundled `scenario_name` (over `months`, default its own) under `models_dir`,
        tuning them first if no test of this session has; returns the file written."""
        figures = figures_key(load_scenario(scenario_name))
        if months is not None:
            figures = dataclasses.replace(figures, months=months)
        # written under root as a process writes them, from this process's memory of them (tuned there once)
        cached_tunings(figures, TUNING_HOUSEHOLDS, self.root, lambda _figures: tunings(figures))
        target = cache_path(figures, TUNING_HOUSEHOLDS, models_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache_path(figures, TUNING_HOUSEHOLDS, self.root), target)
        return target
