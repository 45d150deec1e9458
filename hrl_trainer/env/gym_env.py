"""A single household as a Gymnasium environment, built on the same simulator.

The action is any non-negative 3-vector; it is normalised to invest / save /
spend shares (all zeros means an even split). Going broke is termination,
reaching the scenario's horizon is truncation.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from hrl_trainer.env.scenarios import Scenario, load_scenario
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents


class HouseholdEnv(gym.Env):
    """One household of `scenario`, month by month."""

    metadata = {"render_modes": []}

    def __init__(self, scenario: Scenario | str = "bologna_coppia", scenarios_dir: str | None = None):
        self.scenario = load_scenario(scenario, scenarios_dir) if isinstance(scenario, str) else scenario
        self.observation_space = gym.spaces.Box(-100.0, 100.0, shape=(OBS_DIM,), dtype=np.float32)
        self.action_space = gym.spaces.Box(0.0, 1.0, shape=(3,), dtype=np.float32)
        self.batch: HouseholdBatch | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.batch = HouseholdBatch(self.scenario, LifeEvents.draw(self.scenario, 1, self.np_random))
        return self.batch.observe()[0], self._info()

    def step(self, action):
        if self.batch is None:
            raise RuntimeError("call reset() before step()")
        result = self.batch.step(np.asarray(action, dtype=np.float64).reshape(1, 3))
        terminated = bool(result.terminated[0])
        truncated = not terminated and self.batch.month >= self.scenario.months
        return self.batch.observe()[0], float(result.reward[0]), terminated, truncated, self._info()

    def _info(self) -> dict:
        b = self.batch
        return {
            "month": b.month,
            "cash": float(b.cash[0]),
            "savings": float(b.savings[0]),
            "invested": float(b.invested[0]),
            "liquid": float(b.liquid[0]),
        }
