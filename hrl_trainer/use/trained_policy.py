"""A trained model as a `Policy`: a run's agents, or the ones a scenario publishes.

In `use` because it reads the models folder (`store`) and builds the evaluation's policy (`evaluation`),
two layers that may not import each other."""

from __future__ import annotations

from pathlib import Path

from hrl_trainer.env.rollout import Policy
from hrl_trainer.evaluation.scoring import hrl_policy
from hrl_trainer.store.model_lookup import resolve_agents


def load_policy(
    scenario_name: str, run_id: str | None = None, models_dir: str | Path | None = None, deterministic: bool = True
) -> Policy:
    """The trained Strategist and Executor of run `run_id` (when given) or of `scenario_name`'s published
    model, as a Policy; acting on the mean of each distribution unless `deterministic` is False.

    ModelNotFound (its `field` is `run_id` or `scenario_name`) when there is no such model."""
    return hrl_policy(*resolve_agents(scenario_name, run_id, models_dir), deterministic=deterministic)
