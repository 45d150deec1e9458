"""Target-liquidity rules: what a person with a spreadsheet would do, tuned by grid.

Keep the savings account at `k` safety buffers, spend a share of the month's money
and invest the rest. The money available this month is not known when the split is
chosen, so it is estimated from the current income (after any income loss) and last
month's expenses, plus any cash left over (the initial cash, in month 0).

- The two-number rule (`k`, `spend`): spend `spend` of the money; put the rest into
  savings up to the target, invest what is left.
- The four-number rule (`k`, `spend_below`, `spend_above`, `close`): below the target
  spend `spend_below` and save up to `close` of the gap; at or above it spend
  `spend_above`. The other shares of the money are invested.

Both are one class, `TargetLiquidity` (the two-number rule has `spend_below ==
spend_above` and `close == 1`), with one row of numbers per household, so a whole grid
of rules lives side by side in one batch.
"""

from __future__ import annotations

import itertools

import numpy as np

from hrl_trainer.baselines.grid_scores import RememberedScores
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents, month_money

PARAMS_2 = ("k", "spend")
PARAMS_4 = ("k", "spend_below", "spend_above", "close")
K_GRID = np.round(np.arange(0.0, 6.001, 0.25), 2)
"""Targets tried, in safety buffers."""
SPEND_GRID = np.round(np.arange(0.0, 1.001, 0.05), 2)
"""Spend shares tried by the two-number rule."""
COARSE_4 = (
    np.array([0.0, 1.0, 2.0, 3.0, 4.0, 6.0]),
    np.array([0.0, 0.1, 0.2, 0.3]),
    np.round(np.arange(0.0, 0.601, 0.1), 2),
    np.array([0.25, 0.5, 1.0]),
)
"""The four-number rule's coarse grid: k, spend below, spend above, share of the gap closed."""


def estimated_money(batch: HouseholdBatch) -> np.ndarray:
    """The money each household expects to split this month, (B,): `month_money` of the current income and last
    month's expenses (what the household knows), nothing when that is negative."""
    money = month_money(batch.scenario, batch.cash, batch.base_income, batch.loss_left, batch.last_expenses).money
    return np.maximum(money, 0.0, out=money)


class TargetLiquidity:
    """The four-number rule; each argument is a scalar or one value per household."""

    def __init__(self, k, spend_below, spend_above, close=1.0):
        self.params = [np.asarray(p, dtype=np.float64) for p in (k, spend_below, spend_above, close)]

    @classmethod
    def two(cls, k, spend) -> TargetLiquidity:
        """The two-number rule: the same spend share either side of the target, the whole gap closed."""
        return cls(k, spend, spend, 1.0)

    def reset(self, batch: HouseholdBatch) -> None:
        self.k, self.spend_below, self.spend_above, self.close = (
            np.broadcast_to(p, (batch.size,)) for p in self.params
        )

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        """(B, 3) invest / save / spend shares."""
        return rule_split(batch, self.k, self.spend_below, self.spend_above, self.close)


def rule_split(batch: HouseholdBatch, k, spend_below, spend_above, close) -> np.ndarray:
    """(B, 3) invest / save / spend shares of the four-number rule; each number a scalar or (B,)."""
    money = estimated_money(batch)
    gap = np.maximum(k * batch.scenario.safety_buffer - batch.savings, 0.0)
    spend = np.where(gap > 0, spend_below, spend_above) * money
    save = np.minimum(close * gap, money - spend)
    split = np.stack([money - spend - save, save, spend], axis=1)
    return np.where(money[:, None] > 0, split / np.where(money > 0, money, 1.0)[:, None], [0.0, 1.0, 0.0])


def grid_2() -> np.ndarray:
    """Every (k, spend) of the grid, (P, 2)."""
    return np.array(list(itertools.product(K_GRID, SPEND_GRID)))


def as_rule(rows: np.ndarray) -> TargetLiquidity:
    """The four-number rules (R, 4), one row per household."""
    return TargetLiquidity(*rows.T)


def acting_alike(rule: np.ndarray) -> tuple[float, ...]:
    """The same key for four-number rules (4,) that split every month identically, so one score serves them all.

    With k = 0 the target is never above the savings (they are never negative), so only `spend_above` acts;
    spending everything either side of the target leaves nothing to save or invest, whatever k and close."""
    k, below, above, close = rule.tolist()
    if below == above == 1.0:
        return (0.0, 1.0, 1.0, 1.0)
    return (0.0, above, above, 1.0) if k == 0.0 else (k, below, above, close)


def rule_scores(scenario: Scenario, events: LifeEvents) -> RememberedScores:
    """Mean rewards of four-number rules (P, 4) on `events`, each rule's behaviour simulated once (a tuning meets
    its best rule again on every axis, and the two-number rules again among the four-number ones)."""
    return RememberedScores(scenario, events, as_rule, acting_alike)


def as_four(two: np.ndarray) -> np.ndarray:
    """(P, 2) two-number rules as (P, 4) four-number ones."""
    two = np.atleast_2d(two)
    return np.column_stack([two[:, 0], two[:, 1], two[:, 1], np.ones(len(two))])


def tune_2(scenario: Scenario, events: LifeEvents, scores: RememberedScores | None = None) -> dict:
    """The two-number rule with the best mean reward on `events`, by grid (25 x 21); `scores` (`rule_scores` of
    the same events) may be shared with `tune_4`."""
    grid = grid_2()
    scores = scores or rule_scores(scenario, events)
    best = grid[int(np.argmax(scores(as_four(grid))))]
    return dict(zip(PARAMS_2, (float(x) for x in best)))


def tune_4(
    scenario: Scenario,
    events: LifeEvents,
    start: dict | None = None,
    rounds: int = 3,
    scores: RememberedScores | None = None,
) -> dict:
    """The four-number rule with the best mean reward on `events`.

    A coarse grid over all four numbers (with the best two-number rule among its points), then
    rounds of one-number-at-a-time grids around the best so far, on finer steps. `scores`: as in `tune_2`.
    """
    scores = scores or rule_scores(scenario, events)
    start = start or tune_2(scenario, events, scores)
    coarse = np.array(list(itertools.product(*COARSE_4)))
    coarse = np.vstack([as_four(np.array([start["k"], start["spend"]])), coarse])
    coarse_scores = scores(coarse)
    best, best_score = coarse[int(np.argmax(coarse_scores))], float(coarse_scores.max())
    axes = (K_GRID, SPEND_GRID, SPEND_GRID, np.round(np.arange(0.05, 1.001, 0.05), 2))
    for _ in range(rounds):
        improved = False
        for i, values in enumerate(axes):
            candidates = np.repeat(best[None, :], len(values), axis=0)
            candidates[:, i] = values
            line = scores(candidates)
            if line.max() > best_score + 1e-12:
                best, best_score, improved = candidates[int(np.argmax(line))], float(line.max()), True
        if not improved:
            break
    return dict(zip(PARAMS_4, (float(x) for x in best)))


def rule_from(params: dict) -> TargetLiquidity:
    """The rule a dict from `tune_2` or `tune_4` describes."""
    if set(params) == set(PARAMS_2):
        return TargetLiquidity.two(params["k"], params["spend"])
    return TargetLiquidity(*(params[name] for name in PARAMS_4))
