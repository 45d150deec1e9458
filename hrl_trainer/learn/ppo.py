"""PPO machinery shared by both levels: GAE and the clipped-ratio update."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from hrl_trainer.agents.networks import ActorCritic
from hrl_trainer.learn.optim import Adam


@dataclass(frozen=True)
class PPOSettings:
    """The update's hyper-parameters (see TrainConfig for their meaning)."""

    clip_coef: float
    ent_coef: float
    vf_coef: float
    update_epochs: int
    num_minibatches: int
    max_grad_norm: float


def compute_gae(
    rewards: torch.Tensor, values: torch.Tensor, valid: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns for (T, B) arrays; a step is terminal when the next one is not valid.

    Episodes end at the horizon or when the household goes broke, so nothing is bootstrapped
    past the last valid step.
    """
    next_valid = torch.cat([valid[1:], torch.zeros_like(valid[:1])]).float()
    next_value = torch.cat([values[1:], torch.zeros_like(values[:1])])
    delta = (rewards + gamma * next_value * next_valid - values).numpy()
    carry = (gamma * lam * next_valid).numpy()
    advantages = np.zeros_like(delta)
    running = np.zeros_like(delta[0])
    for t in reversed(range(len(delta))):  # NumPy: this loop runs on small rows, where torch's overhead dominates
        running = delta[t] + carry[t] * running
        advantages[t] = running
    advantages = torch.from_numpy(advantages) * valid
    return advantages, advantages + values


def center_on_siblings(advantages: torch.Tensor, valid: torch.Tensor, life: torch.Tensor) -> torch.Tensor:
    """Subtract from each (T, B) advantage the mean advantage, at the same step, of its siblings.

    Siblings (households with the same `life` index) face the same markets, expenses and shocks, so
    their mean advantage measures the luck of that life, not the quality of an action. It is a
    leave-one-out baseline that does not depend on the household's own action, so the policy
    gradient stays unbiased while most of the variance due to luck goes. A household without valid
    siblings at a step keeps its advantage.
    """
    valid = valid.float()
    adv = advantages * valid
    groups = int(life.max()) + 1
    sums = torch.zeros(adv.shape[0], groups).index_add_(1, life, adv)[:, life]
    counts = torch.zeros(adv.shape[0], groups).index_add_(1, life, valid)[:, life]
    others = counts - valid
    baseline = torch.where(others > 0, (sums - adv) / others.clamp(min=1), torch.zeros_like(adv))
    return (advantages - baseline) * valid


def ppo_loss(
    logprob: torch.Tensor,
    old_logprob: torch.Tensor,
    advantages: torch.Tensor,
    entropy: torch.Tensor,
    value: torch.Tensor,
    returns: torch.Tensor,
    settings: PPOSettings,
) -> tuple[torch.Tensor, dict[str, float]]:
    """cleanrl's PPO loss of one minibatch (every input (M,), `advantages` already normalised): the clipped
    surrogate, minus `ent_coef` times the entropy, plus `vf_coef` times half the squared value error.
    Returns the loss and its parts; `ratio_change` is the largest |ratio - 1|."""
    ratio = torch.exp(logprob - old_logprob)
    clipped = ratio.clamp(1 - settings.clip_coef, 1 + settings.clip_coef)
    policy_loss = torch.max(-advantages * ratio, -advantages * clipped).mean()
    value_loss = 0.5 * ((value - returns) ** 2).mean()
    mean_entropy = entropy.mean()
    loss = policy_loss - settings.ent_coef * mean_entropy + settings.vf_coef * value_loss
    change = (ratio - 1).abs().detach()
    return loss, {
        "policy_loss": policy_loss.item(),
        "value_loss": value_loss.item(),
        "entropy": mean_entropy.item(),
        "clip_fraction": (change > settings.clip_coef).float().mean().item(),
        "ratio_change": change.max().item(),
    }


def ppo_update(
    agent: ActorCritic,
    optimizer: Adam,
    obs: torch.Tensor,
    actions: torch.Tensor,
    old_logprob: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    settings: PPOSettings,
    generator: torch.Generator,
) -> dict[str, float]:
    """Clipped-ratio PPO epochs over N flat samples (`obs` (N, D), `actions` (N, A), the rest (N,)), each epoch
    in `num_minibatches` minibatches of sizes differing by at most one. Returns the last minibatch's
    `ppo_loss` parts, plus `first_ratio_change`: the largest |ratio - 1| of the very first minibatch, before
    any step, which is 0 when `old_logprob` comes from the policy being updated."""
    n = obs.shape[0]
    stats: dict[str, float] = {}
    for _ in range(settings.update_epochs):
        order = torch.randperm(n, generator=generator)
        for idx in torch.tensor_split(order, min(settings.num_minibatches, n)):
            logprob, entropy, value = agent.score(obs[idx], actions[idx])
            adv = advantages[idx]
            if len(idx) > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            loss, parts = ppo_loss(logprob, old_logprob[idx], adv, entropy, value, returns[idx], settings)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), settings.max_grad_norm)
            optimizer.step()
            stats = {"first_ratio_change": stats.get("first_ratio_change", parts["ratio_change"]), **parts}
    return stats
