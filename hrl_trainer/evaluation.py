"""Scoring policies on fixed households: the trained agents against three baselines.

Each purpose has its own fixed stream of households: `checkpoint` (periodic
evaluation while training), `tuning` (picking the best fixed split and the
buffer-first rule's split) and `held_out` (the reported scores, never used to
pick anything). Training draws from the run's seed, a different stream.
"""
from __future__ import annotations

import numpy as np

from .agents import Executor, Strategist
from .rollout import EpisodeStats, HierarchicalPolicy, run_episodes
from .scenarios import Scenario
from .simulation import HouseholdBatch, LifeEvents

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
    households = events.households
    batch = HouseholdBatch(scenario, events, rows=np.tile(np.arange(households), len(grid)))
    stats = run_episodes(batch, policy_class(np.repeat(grid, households, axis=0)))
    return grid[int(np.argmax(stats.reward.reshape(len(grid), households).mean(axis=1)))]


def mean_and_stderr(diff: np.ndarray) -> dict:
    """`{"diff": mean, "stderr": standard error of the mean}` of per-household differences (B,)."""
    return {"diff": float(diff.mean()), "stderr": float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0}


def paired(a: EpisodeStats, b: EpisodeStats) -> dict:
    """Mean and standard error of the per-household reward difference a - b."""
    return mean_and_stderr(a.reward - b.reward)


def compare_with_baselines(scenario: Scenario, strategist: Strategist, executor: Executor,
                           episodes: int = 1000, tuning_episodes: int = 200) -> dict:
    """Score the agents and the baselines on the same held-out households.

    Returns `{"policies": {name: metrics}, "paired": {baseline: {"diff", "stderr"}}}`; the fixed
    splits are picked on separate tuning households.
    """
    tuning = fixed_households(scenario, tuning_episodes, "tuning")
    held_out = fixed_households(scenario, episodes, "held_out")
    best_split = tune_split(scenario, tuning, FixedSplit)
    buffer_split = tune_split(scenario, tuning, BufferFirst)
    results = {
        "hrl": score(scenario, held_out, hrl_policy(strategist, executor)),
        "random": score(scenario, held_out, RandomSplit(np.random.default_rng([PURPOSES["held_out"], 1]))),
        "best_fixed": score(scenario, held_out, FixedSplit(best_split)),
        "buffer_first": score(scenario, held_out, BufferFirst(buffer_split)),
    }
    policies = {name: stats.metrics() for name, stats in results.items()}
    policies["best_fixed"]["split"] = [round(float(x), 2) for x in best_split]
    policies["buffer_first"]["split"] = [round(float(x), 2) for x in buffer_split]
    return {
        "scenario_name": scenario.name,
        "episodes": episodes,
        "policies": policies,
        "paired": {name: paired(results["hrl"], results[name]) for name in ("best_fixed", "random", "buffer_first")},
    }
