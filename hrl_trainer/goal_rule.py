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

from .simulation import HouseholdBatch

RULE_MAX_K = 6.0
"""The goal's buffer fraction (0-1) times this many safety buffers is the rule's liquidity target."""
PRIOR_FLOOR = 0.01
"""Shares of the rule's split below this are raised to it before the log, so every logit is finite."""


def goal_rule_split(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) invest / save / spend shares of the two-number rule with `k` = goal buffer x RULE_MAX_K and
    `spend` = the goal's spend share, for `goal` (B, 4)."""
    from .rules import rule_split  # rules runs policies through rollout, which imports this module

    return rule_split(batch, goal[:, 3] * RULE_MAX_K, goal[:, 2], goal[:, 2], 1.0)


def prior_logits(batch: HouseholdBatch, goal: np.ndarray) -> np.ndarray:
    """(B, 3) float32 logits whose softmax is the goal's rule split (shares floored at PRIOR_FLOOR)."""
    split = goal_rule_split(batch, np.asarray(goal, dtype=np.float64))
    return np.log(np.maximum(split, PRIOR_FLOOR)).astype(np.float32)
