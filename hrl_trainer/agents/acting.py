"""Acting in NumPy: an agent's actor read once per rollout (or evaluation).

A rollout steps a few dozen households side by side, month after month, and at
that size PyTorch's cost per call (several microseconds per operation, a few
dozen operations a month) is most of the training time. The actor does not
change during a rollout, so `ActorSnapshot` copies its weights into NumPy once
and samples the Gaussian over logits with plain matrix products. The agent's
observation normaliser is updated in place (its buffers are shared with NumPy),
so it takes in every observation just before the agent acts on it, as before.
PPO scores the recorded logits with the agent itself before it changes it
(`Trainer._update`), so the ratio is still taken against the behaviour policy.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hrl_trainer.agents.networks import ActorCritic


class ActorSnapshot:
    """`agent`'s actor as NumPy arrays (float32), acting on observations its normaliser normalises."""

    def __init__(self, agent: ActorCritic):
        self.norm, self.to_env = agent.norm, agent.to_env
        self.layers: list[tuple[np.ndarray, np.ndarray] | None] = []
        """Per module of the actor: (weight (in, out), bias (out,)) of a Linear layer, None for a ReLU."""
        for module in agent.actor:
            if isinstance(module, nn.Linear):
                self.layers.append((module.weight.detach().numpy().T.copy(), module.bias.detach().numpy().copy()))
            elif isinstance(module, nn.ReLU):
                self.layers.append(None)
            else:
                raise TypeError(f"ActorSnapshot: no NumPy version of {type(module).__name__}")
        self.std = agent.actor_logstd.detach().exp().numpy().copy()  # (A,)

    def mean(self, x: np.ndarray) -> np.ndarray:
        """(B, A) mean logits for normalised observations `x` (B, D)."""
        for layer in self.layers:
            x = np.maximum(x, np.float32(0.0)) if layer is None else x @ layer[0] + layer[1]
        return x

    def sample(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(B, A) float32 logits drawn from the policy for normalised observations `x` (B, D)."""
        mean = self.mean(x)
        return mean + self.std * rng.standard_normal(mean.shape, dtype=np.float32)

    def action(self, logits: np.ndarray) -> np.ndarray:
        """What the household sees for the Strategist's `logits` (B, A): the agent's squashing of them (an
        Executor's action becomes a split through `goal_rule.executor_split`)."""
        with torch.inference_mode():
            return self.to_env(torch.from_numpy(logits)).numpy()

    def raw_mean(self, obs: np.ndarray) -> np.ndarray:
        """The deterministic action (B, A) for raw observations `obs` (B, D): the mean, unsquashed."""
        return self.mean(self.norm.normalise(obs))

    def mean_action(self, obs: np.ndarray) -> np.ndarray:
        """The deterministic action (B, A) for raw observations `obs` (B, D): the squashed mean."""
        return self.action(self.raw_mean(obs))
