"""The two agents: bare actor-critic `nn.Module`s in the style of cleanrl.

Both carry their own observation normaliser, so a saved state dict is all
that is needed to act. Shares are logistic-normal: a Gaussian over logits,
squashed by one softmax. They start at the uniform split and can move to any
point of the simplex, as close to a corner as the policy wants.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from hrl_trainer.common.config import EXECUTOR_DESIGNS
from hrl_trainer.env.simulation import OBS_FEATURES, SPLIT_NAMES

GOAL_FEATURES = ("goal_invest", "goal_save", "goal_spend", "goal_buffer")
"""Strategist's goal, as the Executor sees it after the state: target invest / save / spend shares and a
target liquid buffer."""
GOAL_DIM = len(GOAL_FEATURES)
MAX_BUFFER_TARGET = 6.0
"""The target buffer is a fraction of this many safety buffers (the tuned rules keep 3.25-4.25)."""
INITIAL_LOG_STD = -0.5
"""Initial log standard deviation of every logit."""
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


EXECUTOR_ACTIONS: dict[str, tuple[str, ...]] = {
    "softmax": tuple(f"{name}_logit" for name in SPLIT_NAMES),
    "rule_prior": tuple(f"{name}_logit_correction" for name in SPLIT_NAMES),
    "rule_params": ("k_correction", "spend_below_correction", "spend_above_correction", "close_logit"),
    "gated_prior": (*(f"{name}_logit_correction" for name in SPLIT_NAMES), "prior_gate_logit"),
    "params_prior": (
        *(f"{name}_logit_correction" for name in SPLIT_NAMES),
        "k_correction",
        "spend_below_correction",
        "spend_above_correction",
        "close_logit",
    ),
}
"""The name of each dimension of an Executor's action, by design (`config.EXECUTOR_DESIGNS`; how each becomes the
split: `goal_rule.executor_split`)."""
STRATEGIST_ACTIONS = ("goal_invest_logit", "goal_save_logit", "goal_spend_logit", "goal_buffer_logit")
assert tuple(EXECUTOR_ACTIONS) == EXECUTOR_DESIGNS, "a design without action names"


class UnknownDesign(ValueError):
    """An Executor design this version does not build (a newer version's)."""


def observation_layout(kind: str) -> list[str]:
    """The name of each input of an agent of `kind` ("strategist" or "executor"), in order."""
    return [*OBS_FEATURES, *(GOAL_FEATURES if kind == "executor" else ())]


def gaussian_logprob(mean: torch.Tensor, logstd: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """Log-density (B,) of `value` (B, A) under independent Gaussians of `mean` (B, A) and log std `logstd` (A,):
    what `torch.distributions.Normal(...).log_prob(value).sum(-1)` gives, in a few tensor operations (this runs
    every PPO minibatch)."""
    return (-0.5 * ((value - mean) * torch.exp(-logstd)) ** 2).sum(-1) - (logstd.sum() + LOG_SQRT_2PI * mean.shape[-1])


def layer_init(layer: nn.Linear, std: float = math.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weights and constant bias, as in cleanrl."""
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


def mlp(in_dim: int, out_dim: int, hidden: int, out_std: float) -> nn.Sequential:
    return nn.Sequential(
        layer_init(nn.Linear(in_dim, hidden)),
        nn.ReLU(),
        layer_init(nn.Linear(hidden, hidden)),
        nn.ReLU(),
        layer_init(nn.Linear(hidden, out_dim), std=out_std),
    )


class RunningNorm(nn.Module):
    """Normalises inputs with running mean and variance (parallel Welford update). While training, the
    statistics take in every observation just before the agent acts on it, as cleanrl's
    NormalizeObservation wrapper does."""

    def __init__(self, dim: int, clip: float = 10.0):
        super().__init__()
        self.clip = clip
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.tensor(1e-4))

    def update(self, x: np.ndarray) -> None:
        """Take in the rows of `x` (N, D); in NumPy, in the buffers' own memory, since this runs every month."""
        x = np.asarray(x, dtype=np.float64)
        mean, var, count = self.mean.numpy(), self.var.numpy(), self.count.numpy()
        n, before = x.shape[0], float(count)
        total = before + n
        batch_mean = x.sum(0) / n
        centered = x - batch_mean
        delta = batch_mean - mean
        var[:] = (var * before + (centered * centered).sum(0) + delta * delta * (before * n / total)) / total
        mean += delta * (n / total)
        count[...] = total

    def normalise(self, obs: np.ndarray) -> np.ndarray:
        """(B, D) float32 observations `obs` (B, D), normalised and clipped to +-`clip`."""
        mean, var = self.mean.numpy(), self.var.numpy()
        return np.clip((obs - mean) / np.sqrt(var + np.float32(1e-8)), -self.clip, self.clip)


class ActorCritic(nn.Module):
    """An actor and a critic over normalised observations.

    The policy is a diagonal Gaussian over unbounded logits (state-dependent mean, learned
    state-independent log std, as in cleanrl's continuous PPO); `to_env` squashes logits into
    the action the household sees. A logistic-normal split reaches every point of the simplex.
    """

    action_names: tuple[str, ...]
    """The name of each dimension of the action (what PPO samples), recorded in checkpoints."""

    def __init__(self, obs_dim: int, hidden: int = 64):
        super().__init__()
        self.obs_dim, self.hidden = obs_dim, hidden
        self.action_dim = len(self.action_names)
        self.norm = RunningNorm(obs_dim)
        self.actor = mlp(obs_dim, self.action_dim, hidden, out_std=0.01)
        self.actor_logstd = nn.Parameter(torch.full((self.action_dim,), INITIAL_LOG_STD))
        self.critic = mlp(obs_dim, 1, hidden, out_std=1.0)

    def score(self, x: torch.Tensor, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(log-probability of `logits`, entropy of the policy, value) for normalised observations `x` (N, D),
        the very inputs the policy acted on (as cleanrl stores them), so learning never renormalises them."""
        mean = self.actor(x)
        entropy = (0.5 + LOG_SQRT_2PI + self.actor_logstd).sum().expand(mean.shape[0])
        return gaussian_logprob(mean, self.actor_logstd, logits), entropy, self.critic(x).squeeze(-1)

    def to_env(self, logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def architecture(self) -> dict:
        return {"obs_dim": self.obs_dim, "hidden": self.hidden}


class Strategist(ActorCritic):
    """High-level agent: every `period` months it sets the goal (target shares and buffer)."""

    action_names = STRATEGIST_ACTIONS

    def __init__(self, obs_dim: int, hidden: int = 64, period: int = 6):
        super().__init__(obs_dim, hidden)
        self.period = period

    def architecture(self) -> dict:
        return {**super().architecture(), "period": self.period}

    def to_env(self, logits: torch.Tensor) -> torch.Tensor:
        """Target shares (softmax of three logits) and target buffer fraction (sigmoid of the fourth)."""
        return torch.cat([torch.softmax(logits[..., :3], -1), torch.sigmoid(logits[..., 3:])], dim=-1)


class Executor(ActorCritic):
    """Low-level agent: every month it splits the cash into invest / save / spend, seeing the goal.

    Its `design` (one of `config.EXECUTOR_DESIGNS`) says what its action is and how it becomes the split
    (`goal_rule.executor_split`): "softmax", the split's logits (a flat Executor, or one saved before the rule
    prior existed); "rule_prior", corrections added to the log of the goal's rule split; "rule_params", the
    four-number rule's numbers as corrections around the goal; "gated_prior", corrections plus a learned
    weight on the prior. Executors saved with `rule_prior` (a bool) instead of a design load as they were
    trained; an unknown design raises `UnknownDesign`.
    """

    def __init__(self, obs_dim: int, hidden: int = 64, rule_prior: bool = False, design: str | None = None):
        design = design if design is not None else ("rule_prior" if rule_prior else "softmax")
        if design not in EXECUTOR_ACTIONS:
            raise UnknownDesign(
                f"the Executor design {design!r} is not one this version builds ({', '.join(EXECUTOR_ACTIONS)})"
            )
        self.design = design
        self.action_names = EXECUTOR_ACTIONS[design]
        super().__init__(obs_dim, hidden)

    @property
    def rule_prior(self) -> bool:
        """Whether the split starts at the goal's rule split (the logits' prior, gated or not)."""
        return self.design in ("rule_prior", "gated_prior")

    def architecture(self) -> dict:
        return {**super().architecture(), "design": self.design}
