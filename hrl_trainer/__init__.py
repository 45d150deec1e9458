"""hrl_trainer: hierarchical reinforcement learning for household finances (plain PyTorch + NumPy).

The names that need torch or NumPy (`train`, `score_policy`) are imported on first use, so that a process
which only reads scenarios and saved histories (the web server) never loads torch.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from hrl_trainer.store.checkpoints import list_trained_models, load_history
from hrl_trainer.common.config import TrainConfig
from hrl_trainer.learn.metrics import TrainingError
from hrl_trainer.learn.outcome import TrainResult
from hrl_trainer.common.paths import resolve_models_dir, resolve_scenarios_dir, validate_name
from hrl_trainer.env.scenarios import Scenario, ScenarioError, ScenarioNotFound, list_scenarios, load_scenario

# name -> submodule that defines it, imported when the name is first looked up.
_LAZY = {"train": "learn.trainer", "score_policy": "evaluation.scoring"}

__all__ = [
    "Scenario", "ScenarioError", "ScenarioNotFound", "TrainConfig", "TrainResult", "TrainingError",
    "list_scenarios", "list_trained_models", "load_history", "load_scenario", "resolve_models_dir",
    "resolve_scenarios_dir", "score_policy", "train", "validate_name",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
