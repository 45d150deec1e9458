"""The trained agents as policies of the episode loop: the hierarchy (Strategist and Executor) and the flat
Executor, acting in NumPy on each month's observations."""

from __future__ import annotations

import numpy as np

from hrl_trainer.agents.acting import ActorSnapshot
from hrl_trainer.agents.goal_rule import executor_split
from hrl_trainer.agents.networks import GOAL_DIM, MAX_BUFFER_TARGET, ActorCritic, Executor, Strategist
from hrl_trainer.env.rollout import Trajectory
from hrl_trainer.env.simulation import HouseholdBatch


class HierarchicalPolicy:
    """The Strategist sets a goal every `strategist.period` months; the Executor splits each month.

    Both agents act in NumPy (`acting.ActorSnapshot`, their actors read at each `reset`): deterministic, on the
    mean of their distributions; otherwise they sample, drawing from `rng`, and while recording a `trajectory`
    each agent's observation normaliser takes in the observations of the live households first."""

    def __init__(
        self,
        strategist: Strategist,
        executor: Executor,
        deterministic: bool = False,
        trajectory: Trajectory | None = None,
        rng: np.random.Generator | None = None,
    ):
        self.strategist, self.executor = strategist, executor
        self.deterministic, self.trajectory = deterministic, trajectory
        self.rng = rng if rng is not None else np.random.default_rng()
        self.snapshots: dict[ActorCritic, ActorSnapshot] = {}

    def reset(self, batch: HouseholdBatch) -> None:
        self.goal = np.zeros((batch.size, GOAL_DIM), dtype=np.float32)
        self.adherence_sum = np.zeros(batch.size)
        self.take_snapshots()

    def take_snapshots(self) -> None:
        """Read the agents' actors (they do not change while households live)."""
        self.snapshots = {agent: ActorSnapshot(agent) for agent in (self.strategist, self.executor) if agent}

    def _draw(
        self, agent: ActorCritic, obs: np.ndarray, alive: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
        """(the normalised observations (B, D) the agent acted on and the action (B, A) it drew, both None when
        deterministic; the action it takes: the draw, or the mean of its Gaussian)."""
        snapshot = self.snapshots[agent]
        if self.deterministic:
            return None, None, snapshot.raw_mean(obs)
        if self.trajectory is not None and alive.any():
            agent.norm.update(obs if alive.all() else obs[alive])
        x = agent.norm.normalise(obs)
        drawn = snapshot.sample(x, self.rng)
        return x, drawn, drawn

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        obs = batch.observe()
        if batch.month % self.strategist.period == 0:
            x, goal_logits, taken = self._draw(self.strategist, obs, batch.alive)
            self.goal = self.snapshots[self.strategist].action(taken)
            if self.trajectory is not None:
                self.trajectory.obs_high.append(x)
                self.trajectory.goal_logits.append(goal_logits)
                self.trajectory.goals.append(self.goal)
        x, drawn, taken = self._draw(self.executor, np.concatenate([obs, self.goal], axis=1), batch.alive)
        split = executor_split(self.executor, batch, self.goal, taken)
        distance = goal_distance(split, self.goal)
        self.adherence_sum += batch.alive * distance
        if self.trajectory is not None:
            self.trajectory.obs_low.append(x)
            self.trajectory.split_logits.append(drawn)
            self.trajectory.goal_distance.append(distance)
        return split

    def goal_adherence(self, duration: np.ndarray) -> np.ndarray:
        return self.adherence_sum / np.maximum(duration, 1)


class FlatPolicy(HierarchicalPolicy):
    """The Executor splitting each month from the observation alone."""

    def __init__(
        self,
        executor: Executor,
        deterministic: bool = False,
        trajectory: Trajectory | None = None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__(None, executor, deterministic, trajectory, rng)

    def reset(self, batch: HouseholdBatch) -> None:
        self.take_snapshots()

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        x, drawn, taken = self._draw(self.executor, batch.observe(), batch.alive)
        if self.trajectory is not None:
            self.trajectory.obs_low.append(x)
            self.trajectory.split_logits.append(drawn)
        return executor_split(self.executor, batch, None, taken)

    def goal_adherence(self, duration: np.ndarray) -> None:
        return None


def goal_distance(split: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """Half the L1 distance between a split and the goal's target shares, in [0, 1]."""
    return 0.5 * np.abs(np.asarray(split, dtype=np.float64) - goal[:, :3]).sum(axis=1)


def buffer_target(goal: np.ndarray, safety_buffer: float) -> np.ndarray:
    """The goal's target liquid balance in euros."""
    return goal[:, 3] * MAX_BUFFER_TARGET * safety_buffer
