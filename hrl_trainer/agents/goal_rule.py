"""From the Executor's action to the month's split: the one function, `executor_split`, for every design.

The Strategist's goal names a target-liquidity rule (keep liquid money at the goal's target, spend the goal's
spend share of the month's money, invest the rest). How the Executor acts on it is its `design`
(`config.EXECUTOR_DESIGNS`, recorded in its architecture):

- "softmax": the action is the split's logits (the flat PPO, and Executors saved before the rule prior);
- "rule_prior": the action is added to the log of the goal's two-number rule split (shares floored at
  `PRIOR_FLOOR`) before the softmax, so the agents start where a person with a spreadsheet would;
- "rule_params": the action is the four-number rule's numbers for this state, as bounded corrections around
  the goal's (target `k` = MAX_BUFFER_TARGET x sigmoid(logit(goal buffer) + a0), spend below and above the
  target = sigmoid(logit(goal spend) + a1 or a2), fill rate `close` = sigmoid(CLOSE_START + a3)), and the
  split is the rule's own (`baselines.rules.rule_split`): a constant action is exactly a four-number rule;
- "gated_prior": "rule_prior" with a fourth output, a weight sigmoid(GATE_START + a3) in (0, 1) on the prior's
  logits, so the rule can be loosened in the states where it is wrong;
- "params_prior": both: outputs 3-6 name a four-number rule around the goal (as "rule_params"), and outputs 0-2
  are added to the log of its split (as "rule_prior").

Training, scoring, simulations and advice all call `executor_split`; PPO learns the action itself (the
recorded Gaussian draw), whatever the design.
"""

from __future__ import annotations

import numpy as np
import torch

from hrl_trainer.agents.networks import MAX_BUFFER_TARGET, Executor
from hrl_trainer.baselines.rules import rule_split
from hrl_trainer.env.simulation import HouseholdBatch

PRIOR_FLOOR = 0.01
"""Shares of the rule's split below this are raised to it before the log, so every logit is finite."""
GATE_START = 3.0
"""The gated prior's weight is sigmoid(GATE_START + output): about 0.95 while the output is near 0 (at the start)."""
CLOSE_START = 3.0
"""The rule parameters' fill rate is sigmoid(CLOSE_START + output): about 0.95 of the gap closed at the start, near
the goal's two-number rule (which closes all of it)."""
GOAL_CLIP = 1e-4
"""The goal's spend share and buffer fraction are kept this far from 0 and 1 before their logit."""


def goal_rule_split(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) invest / save / spend shares of the two-number rule with `k` = the goal's buffer fraction x
    MAX_BUFFER_TARGET safety buffers and `spend` = the goal's spend share, for `goal` (B, 4)."""
    return rule_split(batch, goal[:, 3] * MAX_BUFFER_TARGET, goal[:, 2], goal[:, 2], 1.0)


def prior_logits(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) float32 logits whose softmax is the goal's rule split (shares floored at PRIOR_FLOOR)."""
    return split_logits(goal_rule_split(batch, np.asarray(goal, dtype=np.float64)))


def split_logits(split: np.ndarray) -> np.ndarray:
    """(B, 3) float32 logits whose softmax is `split` (B, 3), its shares floored at PRIOR_FLOOR."""
    return np.log(np.maximum(split, PRIOR_FLOOR)).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (B, 3) float32 logits, by torch as the Executor always computed it (so that designs
    saved before this function existed act bit for bit as they were trained)."""
    with torch.inference_mode():
        return torch.softmax(torch.from_numpy(np.asarray(logits, dtype=np.float32)), -1).numpy()


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, GOAL_CLIP, 1.0 - GOAL_CLIP)
    return np.log(p) - np.log1p(-p)


def rule_numbers(goal: np.ndarray, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four-number rule ("rule_params") an action (B, 4) names around `goal` (B, 4): (k in safety buffers,
    spend below the target, spend above it, share of the gap closed), (B,) each."""
    goal, action = np.asarray(goal, dtype=np.float64), np.asarray(action, dtype=np.float64)
    spend = logit(goal[:, 2])
    return (
        MAX_BUFFER_TARGET * sigmoid(logit(goal[:, 3]) + action[:, 0]),
        sigmoid(spend + action[:, 1]),
        sigmoid(spend + action[:, 2]),
        sigmoid(CLOSE_START + action[:, 3]),
    )


def prior_gate(action: np.ndarray) -> np.ndarray:
    """The gated prior's weight (B,) on the prior's logits, from the action's last output."""
    return sigmoid(GATE_START + np.asarray(action[:, 3], dtype=np.float64))


def executor_split(
    executor: Executor, batch: HouseholdBatch, goal: np.ndarray | None, action: np.ndarray
) -> np.ndarray:
    """(B, 3) invest / save / spend shares `executor` gives with `action` (B, A) (its Gaussian's draw or mean) in
    `batch` under `goal` (B, 4) (None for a flat Executor, whose design is "softmax")."""
    design = executor.design
    if design == "softmax":
        return softmax(action)
    if goal is None:
        raise ValueError(f"an Executor of design {design!r} needs the Strategist's goal")
    if design == "rule_params":
        return rule_split(batch, *rule_numbers(goal, action))
    if design == "params_prior":
        return softmax(action[:, :3] + split_logits(rule_split(batch, *rule_numbers(goal, action[:, 3:]))))
    prior = prior_logits(batch, goal)
    if design == "gated_prior":
        prior = prior_gate(action).astype(np.float32)[:, None] * prior
    return softmax(action[:, :3] + prior)
