"""Many households as one Gymnasium vector environment, stepped by the batched simulator.

Sub-environment i is one household slot. Slots start in groups of `siblings` that live
the same life (the same markets, expenses and shocks; `infos["life"]` says which), as the
trainer's rollouts do. Households that started together are stepped as one
`HouseholdBatch` (a cohort); a household that ends its episode (broke: terminated; the
horizon: truncated) is replaced in the same step by a new one (Gymnasium's SAME_STEP
autoreset: the returned observation is the new household's, the last one is in
`infos["final_obs"]`). Slots that end together start again together, so in the usual case
(nobody broke) the whole vector is one cohort and a step is one batched NumPy month.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from hrl_trainer.env.scenarios import Scenario, load_scenario
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents


@dataclass
class Cohort:
    """Households that started together; `slots[row]` is the slot a row feeds, -1 once it has ended."""

    batch: HouseholdBatch
    slots: np.ndarray
    lives: np.ndarray


class HouseholdVectorEnv(VectorEnv):
    """`num_envs` households of `scenario`, `siblings` to a life; actions (num_envs, 3) shares."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self, scenario: Scenario | str, num_envs: int = 25, siblings: int = 1, scenarios_dir: str | None = None
    ):
        if num_envs < 1 or siblings < 1:
            raise ValueError("num_envs and siblings must be positive")
        self.scenario = load_scenario(scenario, scenarios_dir) if isinstance(scenario, str) else scenario
        self.num_envs, self.siblings = num_envs, siblings
        self.single_observation_space = gym.spaces.Box(-100.0, 100.0, shape=(OBS_DIM,), dtype=np.float32)
        self.single_action_space = gym.spaces.Box(0.0, 1.0, shape=(3,), dtype=np.float32)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.cohorts: list[Cohort] = []
        self.rng = np.random.default_rng()
        self.next_life = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start a new household in every slot; the same seed gives the same lives."""
        if seed is not None:
            self.rng = np.random.default_rng(seed)
            self.next_life = 0
        self.cohorts = []
        self._start(np.arange(self.num_envs))
        return self._observe(), self._infos()

    def step(self, actions):
        if not self.cohorts:
            raise RuntimeError("call reset() before step()")
        actions = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, 3)
        obs = np.zeros((self.num_envs, OBS_DIM), dtype=np.float32)
        rewards = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        for cohort in self.cohorts:
            owned = cohort.slots >= 0
            split = np.zeros((cohort.batch.size, 3))
            split[owned] = actions[cohort.slots[owned]]
            result = cohort.batch.step(split)
            slots = cohort.slots[owned]
            obs[slots] = cohort.batch.observe()[owned]
            rewards[slots] = result.reward[owned]
            terminated[slots] = result.terminated[owned]
            truncated[slots] = ~result.terminated[owned] & (cohort.batch.month >= self.scenario.months)
            cohort.slots = np.where(
                owned & (result.terminated | (cohort.batch.month >= self.scenario.months)), -1, cohort.slots
            )
        self.cohorts = [c for c in self.cohorts if (c.slots >= 0).any()]
        ended = np.flatnonzero(terminated | truncated)
        infos: dict = {}
        if len(ended):
            infos["final_obs"] = np.where((terminated | truncated)[:, None], obs, 0.0).astype(np.float32)
            infos["_final_obs"] = terminated | truncated
            self._start(ended)
            obs[ended] = self._observe()[ended]
        return obs, rewards, terminated, truncated, {**infos, **self._infos()}

    def _start(self, slots: np.ndarray) -> None:
        """A new cohort of households in `slots`, `siblings` to a life."""
        lives = -(-len(slots) // self.siblings)
        rows = np.repeat(np.arange(lives), self.siblings)[: len(slots)]
        batch = HouseholdBatch(self.scenario, LifeEvents.draw(self.scenario, lives, self.rng), rows=rows)
        self.cohorts.append(Cohort(batch, slots.copy(), self.next_life + rows))
        self.next_life += lives

    def _observe(self) -> np.ndarray:
        """(num_envs, OBS_DIM): each slot's current household."""
        obs = np.zeros((self.num_envs, OBS_DIM), dtype=np.float32)
        for cohort in self.cohorts:
            owned = cohort.slots >= 0
            obs[cohort.slots[owned]] = cohort.batch.observe()[owned]
        return obs

    def _infos(self) -> dict:
        """`life` (households with the same value are siblings) and `month` of each slot's household."""
        life = np.zeros(self.num_envs, dtype=np.int64)
        month = np.zeros(self.num_envs, dtype=np.int64)
        for cohort in self.cohorts:
            owned = cohort.slots >= 0
            life[cohort.slots[owned]] = cohort.lives[owned]
            month[cohort.slots[owned]] = cohort.batch.month
        every = np.ones(self.num_envs, dtype=bool)
        return {"life": life, "_life": every, "month": month, "_month": every}
