"""Scoring policies on fixed households: the trained agents (or any policy) against the baselines.

Each purpose has its own fixed stream of households: `checkpoint` (periodic
evaluation while training), `tuning` (picking the best fixed split, the
buffer-first rule's split and the target-liquidity rules' numbers) and
`held_out` (the reported scores, never used to pick anything). Training draws
from the run's seed, a different stream.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import numpy as np

from hrl_trainer.agents.networks import Executor, Strategist
from hrl_trainer.env.rollout import EpisodeStats, FlatPolicy, HierarchicalPolicy, Policy, run_episodes
from hrl_trainer.baselines.grid_scores import mean_rewards_of
from hrl_trainer.baselines.rules import rule_from, rule_scores, tune_2, tune_4
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents

PURPOSES = {"checkpoint": 1, "tuning": 2, "held_out": 3}
SAVE_ONLY = np.array([0.0, 1.0, 0.0])


def fixed_households(scenario: Scenario, count: int, purpose: str) -> LifeEvents:
    """The same `count` households every time for a given purpose."""
    return LifeEvents.draw(scenario, count, np.random.default_rng([PURPOSES[purpose], 20251106]))


def split_grid(step: float = 0.05) -> np.ndarray:
    """Every invest / save / spend split in steps of `step` (231 splits for 0.05)."""
    n = round(1 / step)
    return np.array([(i, s, n - i - s) for i in range(n + 1) for s in range(n + 1 - i)], dtype=np.float64) / n


class FixedSplit:
    """The same split every month; `split` is (3,) or one row per household."""

    def __init__(self, split: np.ndarray):
        self.split = np.asarray(split, dtype=np.float64)

    def reset(self, batch: HouseholdBatch) -> None:
        self.rows = np.broadcast_to(self.split, (batch.size, 3))

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        return self.rows


class BufferFirst(FixedSplit):
    """Everything to savings while the liquid balance is under the safety buffer, then `split`."""

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        below = (batch.liquid < batch.scenario.safety_buffer)[:, None]
        return np.where(below, SAVE_ONLY, self.rows)


class RandomSplit:
    """A uniformly random split every month."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def reset(self, batch: HouseholdBatch) -> None:
        pass

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        return self.rng.dirichlet(np.ones(3), size=batch.size)


def hrl_policy(strategist: Strategist, executor: Executor) -> HierarchicalPolicy:
    """The trained agents acting deterministically (the mean of each distribution)."""
    return HierarchicalPolicy(strategist, executor, deterministic=True)


def score(scenario: Scenario, events: LifeEvents, policy) -> EpisodeStats:
    """Run `policy` on every household of `events`."""
    return run_episodes(HouseholdBatch(scenario, events), policy)


def tune_split(scenario: Scenario, events: LifeEvents, policy_class: type[FixedSplit]) -> np.ndarray:
    """The grid split with the best mean reward on `events` for a FixedSplit-like policy."""
    grid = split_grid()
    return grid[int(np.argmax(mean_rewards_of(scenario, events, policy_class, grid)))]


def mean_and_stderr(diff: np.ndarray) -> dict:
    """`{"diff": mean, "stderr": standard error of the mean}` of per-household differences (B,)."""
    return {"diff": float(diff.mean()), "stderr": float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0}


def paired(a: EpisodeStats, b: EpisodeStats) -> dict:
    """Mean and standard error of the per-household reward difference a - b."""
    return mean_and_stderr(a.reward - b.reward)


@functools.lru_cache(maxsize=32)
def tuned_baselines(scenario: Scenario, tuning_episodes: int = 200) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """The best fixed split, the buffer-first rule's split and the two target-liquidity rules, tuned on
    the tuning households (kept per scenario: they do not depend on the policy being scored)."""
    tuning = fixed_households(scenario, tuning_episodes, "tuning")
    scores = rule_scores(scenario, tuning)  # the four-number search meets two-number rules again
    rule_2 = tune_2(scenario, tuning, scores)
    return (tune_split(scenario, tuning, FixedSplit), tune_split(scenario, tuning, BufferFirst), rule_2,
            tune_4(scenario, tuning, start=rule_2, scores=scores))


def baseline_tunings(scenario: Scenario, tuning_episodes: int = 200, models_dir: str | Path | None = None
                     ) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """`tuned_baselines`, read from (or saved to) the models folder's tunings when `models_dir` is given and
    there are as many tuning households as simulations use (`baseline_cache`)."""
    from hrl_trainer.use.simulations import TUNING_HOUSEHOLDS, household_tunings

    if models_dir is None or tuning_episodes != TUNING_HOUSEHOLDS:
        return tuned_baselines(scenario, tuning_episodes)
    tuned = household_tunings(scenario, models_dir)
    return tuned["best_fixed"], tuned["buffer_first"], tuned["target_liquidity_2"], tuned["target_liquidity_4"]


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


def compare_policy(scenario: Scenario, policy: Policy, episodes: int = 1000, tuning_episodes: int = 200,
                   flat_executor: Executor | None = None, name: str = "hrl",
                   models_dir: str | Path | None = None) -> dict:
    """Score `policy` and the baselines on the same held-out households, paired.

    Returns `{"scenario_name", "episodes", "policies": {name: metrics}, "paired": {baseline: {"diff",
    "stderr"}}}` (`diff` is the policy minus the baseline); the fixed splits and the rules are tuned
    on separate tuning households (kept under `models_dir` when given, as simulations keep them), and
    their tuned values are reported beside their metrics.
    """
    held_out = fixed_households(scenario, episodes, "held_out")
    best_split, buffer_split, rule_2, rule_4 = baseline_tunings(scenario, tuning_episodes, models_dir)
    baselines = {
        "random": RandomSplit(np.random.default_rng([PURPOSES["held_out"], 1])),
        "best_fixed": FixedSplit(best_split),
        "buffer_first": BufferFirst(buffer_split),
        "target_liquidity_2": rule_from(rule_2),
        "target_liquidity_4": rule_from(rule_4),
    }
    if flat_executor is not None:
        baselines["flat_ppo"] = FlatPolicy(flat_executor, deterministic=True)
    results = {name: score(scenario, held_out, policy)}
    results.update({baseline: score(scenario, held_out, rule) for baseline, rule in baselines.items()})
    policies = {label: stats.metrics() for label, stats in results.items()}
    policies["best_fixed"]["split"] = [round(float(x), 2) for x in best_split]
    policies["buffer_first"]["split"] = [round(float(x), 2) for x in buffer_split]
    policies["target_liquidity_2"]["tuned"] = dict(rule_2)
    policies["target_liquidity_4"]["tuned"] = dict(rule_4)
    return {
        "scenario_name": scenario.name,
        "episodes": episodes,
        "policies": policies,
        "paired": {baseline: paired(results[name], results[baseline]) for baseline in baselines},
    }


def compare_with_baselines(scenario: Scenario, strategist: Strategist, executor: Executor,
                           episodes: int = 1000, tuning_episodes: int = 200,
                           flat_executor: Executor | None = None, models_dir: str | Path | None = None) -> dict:
    """Score the trained agents (acting deterministically) against the baselines; see `compare_policy`."""
    return compare_policy(scenario, hrl_policy(strategist, executor), episodes, tuning_episodes, flat_executor,
                          models_dir=models_dir)


def score_policy(scenario: Scenario, function: Callable[[np.ndarray], np.ndarray], episodes: int = 1000,
                 tuning_episodes: int = 200, flat_executor: Executor | None = None) -> dict:
    """Score any policy, a function from observations (B, OBS_DIM) to splits (B, 3), against the
    baselines on the held-out households, paired, as `evaluate` does; the policy is reported as
    `policy`."""
    return compare_policy(scenario, CallablePolicy(function), episodes, tuning_episodes, flat_executor, "policy")
