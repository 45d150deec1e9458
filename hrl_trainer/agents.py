"""The two agents: bare actor-critic `nn.Module`s in the style of cleanrl.

Both carry their own observation normaliser, so a saved state dict is all
that is needed to act. Shares come from Dirichlet distributions whose
concentration is softplus + 1: they start near the uniform split and can
move their mean to any point of the simplex.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Beta, Dirichlet

GOAL_DIM = 4
"""Strategist's goal: target invest / save / spend shares and a target liquid buffer."""
MAX_BUFFER_TARGET = 3.0
"""The target buffer is a fraction of this many safety buffers."""


def layer_init(layer: nn.Linear, std: float = math.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weights and constant bias, as in cleanrl."""
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


def mlp(in_dim: int, out_dim: int, hidden: int, out_std: float) -> nn.Sequential:
    return nn.Sequential(
        layer_init(nn.Linear(in_dim, hidden)), nn.ReLU(),
        layer_init(nn.Linear(hidden, hidden)), nn.ReLU(),
        layer_init(nn.Linear(hidden, out_dim), std=out_std),
    )


class RunningNorm(nn.Module):
    """Normalises inputs with running mean and variance (parallel Welford update)."""

    def __init__(self, dim: int, clip: float = 10.0):
        super().__init__()
        self.clip = clip
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.tensor(1e-4))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        batch_mean, batch_var, n = x.mean(0), x.var(0, unbiased=False), x.shape[0]
        delta, total = batch_mean - self.mean, self.count + n
        self.mean += delta * n / total
        self.var = (self.var * self.count + batch_var * n + delta**2 * self.count * n / total) / total
        self.count = total

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp((x - self.mean) / torch.sqrt(self.var + 1e-8), -self.clip, self.clip)


def concentration(logits: torch.Tensor) -> torch.Tensor:
    return nn.functional.softplus(logits) + 1.0


class ActorCritic(nn.Module):
    """An actor and a critic over normalised observations; subclasses choose the distribution."""

    action_dim: int
    policy_outputs: int

    def __init__(self, obs_dim: int, hidden: int = 64):
        super().__init__()
        self.obs_dim, self.hidden = obs_dim, hidden
        self.norm = RunningNorm(obs_dim)
        self.actor = mlp(obs_dim, self.policy_outputs, hidden, out_std=0.01)
        self.critic = mlp(obs_dim, 1, hidden, out_std=1.0)

    def distribution(self, logits: torch.Tensor):
        raise NotImplementedError

    def dist(self, obs: torch.Tensor):
        return self.distribution(self.actor(self.norm(obs)))

    def get_value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(self.norm(obs)).squeeze(-1)

    def get_action_and_value(self, obs: torch.Tensor, action: torch.Tensor | None = None):
        """Sample (or score) an action: (action, log_prob, entropy, value)."""
        x = self.norm(obs)
        dist = self.distribution(self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)

    @torch.no_grad()
    def mean_action(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic action used for evaluation."""
        return self.dist(obs).mean

    def architecture(self) -> dict:
        return {"obs_dim": self.obs_dim, "hidden": self.hidden}


class SimplexDistribution:
    """A Dirichlet whose samples are kept off the exact boundary for finite log-probabilities."""

    def __init__(self, alpha: torch.Tensor):
        self.base = Dirichlet(alpha, validate_args=False)

    @staticmethod
    def tidy(x: torch.Tensor) -> torch.Tensor:
        x = x.clamp_min(1e-6)
        return x / x.sum(-1, keepdim=True)

    def sample(self) -> torch.Tensor:
        return self.tidy(self.base.sample())

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.base.log_prob(self.tidy(x))

    def entropy(self) -> torch.Tensor:
        return self.base.entropy()

    @property
    def mean(self) -> torch.Tensor:
        return self.base.mean


class GoalDistribution:
    """Target shares from a Dirichlet, target buffer (a fraction in (0, 1)) from a Beta."""

    def __init__(self, logits: torch.Tensor):
        self.split = SimplexDistribution(concentration(logits[..., :3]))
        ab = concentration(logits[..., 3:])
        self.buffer = Beta(ab[..., 0], ab[..., 1], validate_args=False)

    def sample(self) -> torch.Tensor:
        b = self.buffer.sample().clamp(1e-5, 1 - 1e-5).unsqueeze(-1)
        return torch.cat([self.split.sample(), b], dim=-1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.split.log_prob(x[..., :3]) + self.buffer.log_prob(x[..., 3].clamp(1e-5, 1 - 1e-5))

    def entropy(self) -> torch.Tensor:
        return self.split.entropy() + self.buffer.entropy()

    @property
    def mean(self) -> torch.Tensor:
        return torch.cat([self.split.mean, self.buffer.mean.unsqueeze(-1)], dim=-1)


class Strategist(ActorCritic):
    """High-level agent: every `period` months it sets the goal (target shares and buffer)."""

    action_dim = GOAL_DIM
    policy_outputs = 5

    def __init__(self, obs_dim: int, hidden: int = 64, period: int = 6):
        super().__init__(obs_dim, hidden)
        self.period = period

    def architecture(self) -> dict:
        return {**super().architecture(), "period": self.period}

    def distribution(self, logits: torch.Tensor) -> GoalDistribution:
        return GoalDistribution(logits)


class Executor(ActorCritic):
    """Low-level agent: every month it splits the cash into invest / save / spend, seeing the goal."""

    action_dim = 3
    policy_outputs = 3

    def distribution(self, logits: torch.Tensor) -> SimplexDistribution:
        return SimplexDistribution(concentration(logits))
