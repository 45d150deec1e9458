"""hrl_trainer: hierarchical reinforcement learning for household finances (plain PyTorch + NumPy).

The public API for outside code (benchmarks, examples, research scripts) is `__all__`, documented in
docs/architecture.md ("The public API"); everything deeper may change. Every name is imported on first use
(`_LAZY`): importing the package, or one of its modules such as `hrl_trainer.common.environment` (which the
server reads before eventlet patches the standard library), loads nothing else, and a process that only reads
scenarios and saved histories (the web server) never loads torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hrl_trainer.common.version import __version__ as __version__

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from hrl_trainer.agents.policy import FlatPolicy
    from hrl_trainer.cli.main import evaluation_table, format_table
    from hrl_trainer.common.config import TrainConfig
    from hrl_trainer.common.paths import resolve_models_dir, resolve_scenarios_dir, validate_name
    from hrl_trainer.env.gym_env import HouseholdEnv
    from hrl_trainer.env.lives import fixed_households
    from hrl_trainer.env.rollout import EpisodeStats, Policy
    from hrl_trainer.env.scenarios import Scenario, ScenarioError, ScenarioNotFound, list_scenarios, load_scenario
    from hrl_trainer.env.simulation import OBS_FEATURES, SPLIT_NAMES, HouseholdBatch, LifeEvents
    from hrl_trainer.env.vector_env import HouseholdVectorEnv
    from hrl_trainer.evaluation.euros import yearly_split
    from hrl_trainer.evaluation.paired import paired_difference as paired
    from hrl_trainer.evaluation.scoring import BASELINES, baseline_policy, compare_policy, score, score_policy
    from hrl_trainer.learn.flat import train_flat
    from hrl_trainer.learn.metrics import TrainingError
    from hrl_trainer.learn.outcome import TrainResult
    from hrl_trainer.learn.trainer import train
    from hrl_trainer.store.checkpoints import list_trained_models, load_history
    from hrl_trainer.store.model_lookup import ModelNotFound
    from hrl_trainer.use.flat_store import flat_baseline
    from hrl_trainer.use.trained_policy import load_policy

# public name -> (submodule, its name there), imported when the name is first looked up.
_LAZY: dict[str, tuple[str, str]] = {
    "TrainConfig": ("common.config", "TrainConfig"),
    "resolve_models_dir": ("common.paths", "resolve_models_dir"),
    "resolve_scenarios_dir": ("common.paths", "resolve_scenarios_dir"),
    "validate_name": ("common.paths", "validate_name"),
    "Scenario": ("env.scenarios", "Scenario"),
    "ScenarioError": ("env.scenarios", "ScenarioError"),
    "ScenarioNotFound": ("env.scenarios", "ScenarioNotFound"),
    "list_scenarios": ("env.scenarios", "list_scenarios"),
    "load_scenario": ("env.scenarios", "load_scenario"),
    "TrainingError": ("learn.metrics", "TrainingError"),
    "TrainResult": ("learn.outcome", "TrainResult"),
    "list_trained_models": ("store.checkpoints", "list_trained_models"),
    "load_history": ("store.checkpoints", "load_history"),
    "ModelNotFound": ("store.model_lookup", "ModelNotFound"),
    "train": ("learn.trainer", "train"),
    "train_flat": ("learn.flat", "train_flat"),
    "Policy": ("env.rollout", "Policy"),
    "EpisodeStats": ("env.rollout", "EpisodeStats"),
    "HouseholdBatch": ("env.simulation", "HouseholdBatch"),
    "LifeEvents": ("env.simulation", "LifeEvents"),
    "OBS_FEATURES": ("env.simulation", "OBS_FEATURES"),
    "SPLIT_NAMES": ("env.simulation", "SPLIT_NAMES"),
    "HouseholdEnv": ("env.gym_env", "HouseholdEnv"),
    "HouseholdVectorEnv": ("env.vector_env", "HouseholdVectorEnv"),
    "fixed_households": ("env.lives", "fixed_households"),
    "score": ("evaluation.scoring", "score"),
    "paired": ("evaluation.paired", "paired_difference"),
    "compare_policy": ("evaluation.scoring", "compare_policy"),
    "score_policy": ("evaluation.scoring", "score_policy"),
    "BASELINES": ("evaluation.scoring", "BASELINES"),
    "baseline_policy": ("evaluation.scoring", "baseline_policy"),
    "yearly_split": ("evaluation.euros", "yearly_split"),
    "FlatPolicy": ("agents.policy", "FlatPolicy"),
    "load_policy": ("use.trained_policy", "load_policy"),
    "flat_baseline": ("use.flat_store", "flat_baseline"),
    "format_table": ("cli.main", "format_table"),
    "evaluation_table": ("cli.main", "evaluation_table"),
}

__all__ = [
    "BASELINES",
    "OBS_FEATURES",
    "SPLIT_NAMES",
    "EpisodeStats",
    "FlatPolicy",
    "HouseholdBatch",
    "HouseholdEnv",
    "HouseholdVectorEnv",
    "LifeEvents",
    "ModelNotFound",
    "Policy",
    "Scenario",
    "ScenarioError",
    "ScenarioNotFound",
    "TrainConfig",
    "TrainResult",
    "TrainingError",
    "baseline_policy",
    "compare_policy",
    "evaluation_table",
    "fixed_households",
    "flat_baseline",
    "format_table",
    "list_scenarios",
    "list_trained_models",
    "load_history",
    "load_policy",
    "load_scenario",
    "paired",
    "resolve_models_dir",
    "resolve_scenarios_dir",
    "score",
    "score_policy",
    "train",
    "train_flat",
    "validate_name",
    "yearly_split",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
