"""Scoring policies on fixed households: the trained agents (or any policy) against the baselines, paired.

Every policy lives the same held-out households (`env.lives.fixed_households`); the baselines are tuned on
the tuning households (`baselines.tuning`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hrl_trainer.agents.networks import Executor, Strategist
from hrl_trainer.agents.policy import FlatPolicy, HierarchicalPolicy
from hrl_trainer.baselines.tuning import baseline_policies, tunings
from hrl_trainer.common.config import HELD_OUT_HOUSEHOLDS, TUNING_HOUSEHOLDS
from hrl_trainer.env.lives import PURPOSES, fixed_households
from hrl_trainer.env.rollout import EpisodeStats, Policy, run_episodes
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents
from hrl_trainer.evaluation.paired import comparison


def hrl_policy(strategist: Strategist, executor: Executor, deterministic: bool = True) -> HierarchicalPolicy:
    """The trained agents acting deterministically (the mean of each distribution), or sampling their actions
    when `deterministic` is False."""
    return HierarchicalPolicy(strategist, executor, deterministic=deterministic)


def score(scenario: Scenario, events: LifeEvents, policy: Policy) -> EpisodeStats:
    """Run `policy` on every household of `events`: its per-household results (`EpisodeStats`)."""
    return run_episodes(HouseholdBatch(scenario, events), policy)


class CallablePolicy:
    """Any function from observations (B, OBS_DIM) float32 to splits (B, 3), acting as a Policy."""

    def __init__(self, function: Callable[[np.ndarray], np.ndarray]):
        self.function = function

    def reset(self, batch: HouseholdBatch) -> None:
        pass

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        split = np.asarray(self.function(batch.observe()), dtype=np.float64)
        if split.shape != (batch.size, 3):
            raise ValueError(f"the policy returned shape {split.shape}, expected ({batch.size}, 3)")
        return split


BASELINES = ("random", "best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4", "flat_ppo")
"""Every baseline a policy is compared with (`flat_ppo` only when a flat Executor is given)."""


def held_out_baselines(
    scenario: Scenario, tuning_episodes: int = TUNING_HOUSEHOLDS, models_dir: str | Path | None = None
) -> dict[str, tuple[Policy, dict]]:
    """The baselines `compare_policy` scores (all of `BASELINES` but the flat PPO), tuned on the tuning households:
    {name: (policy, what it was tuned to)}."""
    built = baseline_policies(tunings(scenario, models_dir, tuning_episodes), seed=PURPOSES["held_out"])
    return {name: built[name] for name in BASELINES if name in built}


def baseline_policy(scenario: Scenario, name: str, models_dir: str | Path | None = None) -> Policy:
    """Baseline `name` of `BASELINES` (not `flat_ppo`: `FlatPolicy`) as `compare_policy` scores it; ValueError for
    another name."""
    baselines = held_out_baselines(scenario, models_dir=models_dir)
    if name not in baselines:
        raise ValueError(f"no baseline '{name}': one of {', '.join(baselines)}")
    return baselines[name][0]


def compare_policy(
    scenario: Scenario,
    policy: Policy,
    episodes: int = HELD_OUT_HOUSEHOLDS,
    tuning_episodes: int = TUNING_HOUSEHOLDS,
    flat_executor: Executor | None = None,
    name: str = "hrl",
    models_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Score `policy` and the baselines on the same held-out households, paired.

    Returns `{"scenario_name", "episodes", "policies": {name: metrics}, "paired": {baseline: {"diff",
    "stderr", ...}}}` (`diff` is the policy minus the baseline in reward, a `paired.comparison` with its verdict);
    the fixed splits and the rules are tuned
    on separate tuning households (kept under `models_dir` when given, as simulations keep them), and
    their tuned values are reported beside their metrics.
    """
    held_out = fixed_households(scenario, episodes, "held_out")
    baselines = held_out_baselines(scenario, tuning_episodes, models_dir)
    if flat_executor is not None:
        baselines["flat_ppo"] = (FlatPolicy(flat_executor, deterministic=True), {})
    results = {name: score(scenario, held_out, policy)}
    results.update({baseline: score(scenario, held_out, rule) for baseline, (rule, _) in baselines.items()})
    policies = {label: stats.metrics() for label, stats in results.items()}
    for baseline, (_, described) in baselines.items():
        policies[baseline].update(described)
    return {
        "scenario_name": scenario.name,
        "episodes": episodes,
        "policies": policies,
        "paired": {
            baseline: comparison(results[name].reward, results[baseline].reward, "reward") for baseline in baselines
        },
    }


def compare_with_baselines(
    scenario: Scenario,
    strategist: Strategist,
    executor: Executor,
    episodes: int = HELD_OUT_HOUSEHOLDS,
    tuning_episodes: int = TUNING_HOUSEHOLDS,
    flat_executor: Executor | None = None,
    models_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Score the trained agents (acting deterministically) against the baselines; see `compare_policy`."""
    return compare_policy(
        scenario, hrl_policy(strategist, executor), episodes, tuning_episodes, flat_executor, models_dir=models_dir
    )


def score_policy(
    scenario: Scenario,
    function: Callable[[np.ndarray], np.ndarray],
    episodes: int = HELD_OUT_HOUSEHOLDS,
    tuning_episodes: int = TUNING_HOUSEHOLDS,
    flat_executor: Executor | None = None,
) -> dict[str, Any]:
    """Score any policy, a function from observations (B, OBS_DIM) to splits (B, 3), against the
    baselines on the held-out households, paired, as `evaluate` does; the policy is reported as
    `policy`."""
    return compare_policy(scenario, CallablePolicy(function), episodes, tuning_episodes, flat_executor, "policy")
