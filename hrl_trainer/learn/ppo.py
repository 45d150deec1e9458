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
    Returns the loss and its parts: `approx_kl` is cleanrl's estimate of the KL divergence from the behaviour
    policy, mean((ratio - 1) - log ratio); `ratio_change` is the largest |ratio - 1|."""
    log_ratio = logprob - old_logprob
    ratio = torch.exp(log_ratio)
    clipped = ratio.clamp(1 - settings.clip_coef, 1 + settings.clip_coef)
    policy_loss = torch.max(-advantages * ratio, -advantages * clipped).mean()
    value_loss = 0.5 * ((value - returns) ** 2).mean()
    mean_entropy = entropy.mean()
    loss = policy_loss - settings.ent_coef * mean_entropy + settings.vf_coef * value_loss
    change = (ratio - 1).detach()
    parts = [
        policy_loss.detach(),
        value_loss.detach(),
        mean_entropy.detach(),
        (change - log_ratio.detach()).mean(),
        (change.abs() > settings.clip_coef).to(change.dtype).mean(),
        change.abs().max(),
    ]
    values = torch.stack([part.to(torch.float64) for part in parts]).tolist()  # one copy out of torch for all six
    return loss, dict(zip(LOSS_PARTS, values))


LOSS_PARTS = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "ratio_change")
AVERAGED_PARTS = LOSS_PARTS[:5]
"""The parts `ppo_update` averages over every minibatch of every epoch."""


def explained_variance(predicted: torch.Tensor, target: torch.Tensor) -> float | None:
    """How much of the variance of `target` (the returns) the value predictions explain: 1 - Var(target -
    predicted) / Var(target), as Stable-Baselines3 and cleanrl compute it (1: perfect, 0: no better than a
    constant, negative: worse); None when the returns do not vary (SB3's NaN, which JSON cannot hold)."""
    variance = target.var(unbiased=False).item() if target.numel() > 1 else 0.0
    if variance == 0:
        return None
    return 1.0 - (target - predicted).var(unbiased=False).item() / variance


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
    old_values: torch.Tensor | None = None,
) -> dict[str, float | None]:
    """Clipped-ratio PPO epochs over N flat samples (`obs` (N, D), `actions` (N, A), the rest (N,)), each epoch
    in `num_minibatches` minibatches of sizes differing by at most one.

    Returns the update's diagnostics: `policy_loss`, `value_loss`, `entropy`, `approx_kl` and `clip_fraction`, each
    the mean over every minibatch of every epoch; `explained_variance` of the returns by `old_values` (the values
    the agent gave while collecting; None without them); `learning_rate`, the optimiser's; `ratio_change`, the
    largest |ratio - 1| of the last minibatch, and `first_ratio_change`, that of the very first minibatch,
    before any step (0 when `old_logprob` comes from the policy being updated)."""
    n = obs.shape[0]
    sums = dict.fromkeys(AVERAGED_PARTS, 0.0)
    first_ratio_change, parts, minibatches = None, {}, 0
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
            for name in AVERAGED_PARTS:
                sums[name] += parts[name]
            minibatches += 1
            if first_ratio_change is None:
                first_ratio_change = parts["ratio_change"]
    return {
        **{name: total / max(minibatches, 1) for name, total in sums.items()},
        "explained_variance": None if old_values is None else explained_variance(old_values, returns),
        "learning_rate": float(optimizer.lr),
        "ratio_change": parts.get("ratio_change", 0.0),
        "first_ratio_change": first_ratio_change or 0.0,
    }
