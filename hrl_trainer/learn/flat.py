"""A flat PPO baseline: the Executor alone, no Strategist and no goal, trained by the same code.

It sees the household's observation, splits every month and learns from the extrinsic
reward only, with the same rollouts (siblings included), PPO update and settings as the
hierarchical agents. Nothing is written to disk: it exists to be scored beside them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hrl_trainer.agents.networks import Executor
from hrl_trainer.agents.policy import FlatPolicy
from hrl_trainer.common.config import TrainConfig
from hrl_trainer.env.rollout import Trajectory
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.learn.callbacks import MaybeCallback
from hrl_trainer.learn.optim import Adam
from hrl_trainer.learn.trainer import Trainer


class FlatTrainer(Trainer):
    """The training loop with one agent, writing nothing: the Executor seeing the observation alone."""

    def __init__(self, config: TrainConfig, callback: MaybeCallback = None):
        # the hierarchical agents are made (unused) first, so that it starts from the same random draws as ever:
        # with a three-output Executor, whatever the run's design, so the flat PPO is the same for every design
        super().__init__(dataclasses.replace(config, executor_design="softmax"), callback=callback, write_run=False)
        self.executor = Executor(OBS_DIM, config.hidden)
        self.optimizers = {self.executor: Adam(self.executor.parameters(), lr=config.learning_rate, eps=1e-5)}

    def sampling_policy(self, trajectory: Trajectory) -> FlatPolicy:
        return FlatPolicy(self.executor, trajectory=trajectory, rng=self.action_rng)

    def learn(self, traj: Trajectory) -> None:
        c = self.config
        with self.stopwatch.section("update"):
            self._update(
                self.executor,
                np.stack(traj.obs_low),
                np.stack(traj.split_logits),
                np.stack(traj.rewards) * c.reward_scale,
                np.stack(traj.active),
                traj.life,
                c.gamma,
            )


def train_flat(config: TrainConfig) -> Executor:
    """A flat Executor trained on `config` (its scenario, episodes, seed and PPO settings)."""
    trainer = FlatTrainer(config)
    trainer.run()
    return trainer.executor


def flat_config(history: dict, **overrides) -> TrainConfig:
    """The settings, seed and budget (episodes completed) of the run a history describes, for the flat PPO;
    `overrides` replace any of them (the folders of this installation, say)."""
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    config = {k: v for k, v in history["config"].items() if k in known}
    return TrainConfig(
        **{**config, "num_episodes": history["episodes_completed"], "seed": history["seed"], **overrides}
    )
