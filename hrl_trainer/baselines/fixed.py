"""Fixed-split baselines: the same split every month, buffer first, random; and the grid search of a split."""

from __future__ import annotations

import numpy as np

from hrl_trainer.baselines.grid_scores import mean_rewards_of
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents

SAVE_ONLY = np.array([0.0, 1.0, 0.0])


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


def tune_split(scenario: Scenario, events: LifeEvents, policy_class: type[FixedSplit]) -> np.ndarray:
    """The grid split with the best mean reward on `events` for a FixedSplit-like policy."""
    grid = split_grid()
    return grid[int(np.argmax(mean_rewards_of(scenario, events, policy_class, grid)))]
