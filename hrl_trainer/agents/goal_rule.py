"""The Executor's starting point: the two-number target-liquidity rule the Strategist's goal names.

With `Executor.rule_prior`, the Executor does not learn a split from nothing: its mean logits
are the log of the split this rule gives (keep liquid money at the goal's target, spend the
goal's spend share of the month's money, invest the rest) plus a learned correction. The
Strategist's goal then acts on the household from the first episode, and the agents start
where a person with a spreadsheet would, with the rule's numbers chosen by the Strategist
from the state, every `period` months.
"""

from __future__ import annotations

import numpy as np

from hrl_trainer.agents.networks import MAX_BUFFER_TARGET, Executor
from hrl_trainer.baselines.rules import rule_split
from hrl_trainer.env.simulation import HouseholdBatch

PRIOR_FLOOR = 0.01
"""Shares of the rule's split below this are raised to it before the log, so every logit is finite."""


def goal_rule_split(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) invest / save / spend shares of the two-number rule with `k` = the goal's buffer fraction x
    MAX_BUFFER_TARGET safety buffers and `spend` = the goal's spend share, for `goal` (B, 4)."""
    return rule_split(batch, goal[:, 3] * MAX_BUFFER_TARGET, goal[:, 2], goal[:, 2], 1.0)


def prior_logits(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) float32 logits whose softmax is the goal's rule split (shares floored at PRIOR_FLOOR)."""
    split = goal_rule_split(batch, np.asarray(goal, dtype=np.float64))
    return np.log(np.maximum(split, PRIOR_FLOOR)).astype(np.float32)


def executor_offset(executor: Executor, batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray | None:
    """What `executor` adds to its logits in `batch` under `goal` (B, 4): the rule prior, or None without one."""
    return prior_logits(batch, goal) if executor.rule_prior else None
