"""Running policies on a HouseholdBatch: one loop for training, evaluation and baselines.

The loop knows a policy only through the `Policy` protocol; the trained agents' policies are in
`hrl_trainer.agents.policy`."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hrl_trainer.env.simulation import HouseholdBatch, StepResult


class Policy(Protocol):
    """Anything that picks each household's split for the coming month.

    `run_episodes` calls `reset(batch)` once with the batch at month 0, then `act(batch)` once a month until
    every household's episode is over. A policy reads the batch only through what `HouseholdBatch` documents
    as readable (`observe()`, `liquid`, `invested`, `alive`, ...), never its pre-drawn future (`events`), and
    never steps or resets it."""

    def reset(self, batch: HouseholdBatch) -> None:
        """Get ready for the `batch.size` households of a new episode (e.g. forget last episode's goals)."""
        ...

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        """This month's split, (batch.size, 3) shares of invest / save / spend (`SPLIT_NAMES`) per household.

        Rows need not sum to 1: they are projected onto the simplex (`to_split`). Rows of households no
        longer `alive` are ignored."""
        ...


class Stopwatch:
    """Accumulates wall time per named section (for the benchmark's breakdown)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def section(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


@dataclass
class Trajectory:
    """What a rollout saw and did, month by month, for learning afterwards."""

    life: np.ndarray
    """Per household, the index of the life it lives; households sharing one are siblings."""
    obs_high: list = field(default_factory=list)
    """Per goal, (B, D) observations as the Strategist saw them: normalised (and so are `obs_low`)."""
    goal_logits: list = field(default_factory=list)
    """Per goal, (B, GOAL_DIM) logits the Strategist drew (`split_logits`: (B, A), the Executor's action
    drawn, per month: logits or the rule's numbers, by its design)."""
    goals: list = field(default_factory=list)
    obs_low: list = field(default_factory=list)
    split_logits: list = field(default_factory=list)
    goal_distance: list = field(default_factory=list)
    rewards: list = field(default_factory=list)
    active: list = field(default_factory=list)
    liquid: list = field(default_factory=list)


@dataclass
class EpisodeStats:
    """Per-household results of one batch of episodes (arrays of length B)."""

    reward: np.ndarray
    duration: np.ndarray
    cash: np.ndarray
    invested: np.ndarray
    stability: np.ndarray
    goal_adherence: np.ndarray | None

    def metrics(self, index: int | slice = slice(None)) -> dict:
        """Mean metrics, with the spec's names, over the selected households."""
        out = {
            "avg_reward": self.reward[index],
            "avg_duration": self.duration[index],
            "avg_cash": self.cash[index],
            "avg_invested": self.invested[index],
            "stability": self.stability[index],
        }
        if self.goal_adherence is not None:
            out["goal_adherence"] = self.goal_adherence[index]
        return {k: float(np.mean(v)) for k, v in out.items()}


def run_episodes(
    batch: HouseholdBatch,
    policy: Policy,
    trajectory: Trajectory | None = None,
    stopwatch: Stopwatch | None = None,
    observer: Callable[[HouseholdBatch, StepResult], None] | None = None,
) -> EpisodeStats:
    """Live every household of `batch` to the end of its episode under `policy`; `trajectory` records what
    learning needs, `observer(batch, result)` sees the batch after each month (e.g. the euros of a simulation)."""
    stopwatch = stopwatch or Stopwatch()
    batch.reset()
    policy.reset(batch)
    total = np.zeros(batch.size)
    while not batch.done:
        with stopwatch.section("forward"):
            split = policy.act(batch)
        with stopwatch.section("simulation"):
            result = batch.step(split)
        total += result.reward
        if observer is not None:
            observer(batch, result)
        if trajectory is not None:
            trajectory.rewards.append(result.reward)
            trajectory.active.append(result.active)
            trajectory.liquid.append(batch.liquid.copy())
    adherence = policy.goal_adherence(batch.duration) if hasattr(policy, "goal_adherence") else None
    return EpisodeStats(
        reward=total,
        duration=batch.duration.astype(np.float64),
        cash=batch.liquid.copy(),
        invested=batch.invested.copy(),
        stability=batch.months_above_buffer / np.maximum(batch.duration, 1),
        goal_adherence=adherence,
    )
