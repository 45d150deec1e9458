"""PPO machinery shared by both levels: GAE and the clipped-ratio update."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .agents import ActorCritic
from .optim import Adam


@dataclass(frozen=True)
class PPOSettings:
    """The update's hyper-parameters (see TrainConfig for their meaning)."""

    clip_coef: float
    ent_coef: float
    vf_coef: float
    update_epochs: int
    num_minibatches: int
    max_grad_norm: float


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, valid: torch.Tensor,
                gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
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


def ppo_update(agent: ActorCritic, optimizer: Adam, obs: torch.Tensor, actions: torch.Tensor,
               old_logprob: torch.Tensor, advantages: torch.Tensor, returns: torch.Tensor, settings: PPOSettings,
               generator: torch.Generator) -> dict[str, float]:
    """Clipped-ratio PPO epochs over flat samples; returns the last minibatch's losses."""
    n = obs.shape[0]
    size = max(1, n // settings.num_minibatches)
    stats: dict[str, float] = {}
    for _ in range(settings.update_epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, size):
            idx = order[start:start + size]
            logprob, entropy, value = agent.score(obs[idx], actions[idx])
            ratio = torch.exp(logprob - old_logprob[idx])
            adv = advantages[idx]
            if len(idx) > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            policy_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - settings.clip_coef, 1 + settings.clip_coef)).mean()
            value_loss = 0.5 * ((value - returns[idx]) ** 2).mean()
            loss = policy_loss - settings.ent_coef * entropy.mean() + settings.vf_coef * value_loss
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), settings.max_grad_norm)
            optimizer.step()
            stats = {"policy_loss": policy_loss.item(), "value_loss": value_loss.item(),
                     "entropy": entropy.mean().item()}
    return stats
