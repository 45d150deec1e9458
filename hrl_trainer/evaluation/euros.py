"""Policies in euros: what every household's money did month by month, the totals at the end, and the
trained model against other policies, paired, on the same lives (simulations and the end of a run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hrl_trainer.baselines.rules import rule_from
from hrl_trainer.baselines.tuning import saved_tunings
from hrl_trainer.common.config import RUN_HELD_OUT_HOUSEHOLDS
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.rollout import Policy, run_episodes
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import SPLIT_NAMES, HouseholdBatch, LifeEvents
from hrl_trainer.evaluation.paired import comparison

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist

PERCENTILES = (5, 25, 50, 75, 95)
SERIES_UNITS = {
    "liquid": "nominal euros (cash + savings)",
    "invested": "nominal euros",
    "real_net_worth": "today's euros (liquid + invested, divided by the price level)",
    "spending": "today's euros (discretionary spending of the month)",
}


@dataclass
class Lives:
    """What one policy did to every household: series (months, B) and per-household totals (B,)."""

    series: dict[str, np.ndarray]
    reward: np.ndarray
    broke_month: np.ndarray
    """Month (1-based) the household went broke, 0 if it never did."""
    under_buffer: np.ndarray
    """Share of the household's months that ended with liquid money under the safety buffer."""
    yearly: dict[str, list[float]]
    """Year by year, over the months of the households alive in them: the mean shares of the month's money
    (`invest`, `save`, `spend`) and the mean liquid money at the months' end (`liquid`, nominal euros;
    `liquid_buffers`, in safety buffers)."""

    @property
    def real_net_worth_end(self) -> np.ndarray:
        return self.series["real_net_worth"][-1]

    @property
    def total_spending(self) -> np.ndarray:
        return self.series["spending"].sum(axis=0)

    def outcome(self) -> Outcome:
        """What the paired comparison needs, without the monthly series."""
        return Outcome(self.reward, self.real_net_worth_end, self.total_spending)


@dataclass(frozen=True)
class Outcome:
    """Per-household results of one policy, (B,) each."""

    reward: np.ndarray
    real_net_worth: np.ndarray
    total_spending: np.ndarray


class MonthlySeries:
    """An observer of the episode loop: each household's balances at every month's end, (months, B) each."""

    def __init__(self, months: int, households: int) -> None:
        self.series = {name: np.zeros((months, households)) for name in SERIES_UNITS}
        self.broke_month = np.zeros(households, dtype=np.int64)
        """Month (1-based) each household went broke, 0 if it never did."""
        self.month = 0
        years = -(-months // 12)
        self.year_sums = np.zeros((years, len(SPLIT_NAMES) + 1))
        """Per year, the sums over the households alive each month of the shares and of the liquid money."""
        self.year_counts = np.zeros(years)

    def __call__(self, batch: HouseholdBatch, result: Any) -> None:
        self.broke_month = np.where(result.terminated, self.month + 1, self.broke_month)
        on = result.active
        year = self.month // 12
        self.year_sums[year, :3] += result.split[on].sum(axis=0)
        self.year_sums[year, 3] += batch.liquid[on].sum()
        self.year_counts[year] += on.sum()
        self._record(batch, result.spending / batch.price)

    def yearly(self, safety_buffer: float) -> dict[str, list[float]]:
        """`Lives.yearly` (a year nobody lived in: zeros)."""
        means = self.year_sums / np.maximum(self.year_counts, 1)[:, None]
        out = {name: np.round(means[:, i], 4).tolist() for i, name in enumerate(SPLIT_NAMES)}
        out["liquid"] = np.round(means[:, 3], 2).tolist()
        out["liquid_buffers"] = np.round(means[:, 3] / max(safety_buffer, 1.0), 3).tolist()
        return out

    def _record(self, batch: HouseholdBatch, spending: np.ndarray) -> None:
        self.series["liquid"][self.month] = batch.liquid
        self.series["invested"][self.month] = batch.invested
        self.series["real_net_worth"][self.month] = batch.wealth / batch.price
        self.series["spending"][self.month] = spending
        self.month += 1

    def finish(self, batch: HouseholdBatch) -> None:
        """Months after everyone went broke: the balances stay as they were, nothing is spent."""
        while self.month < len(self.series["liquid"]):
            self._record(batch, np.zeros(batch.size))


def live(scenario: Scenario, events: LifeEvents, policy: Any) -> Lives:
    """Run `policy` on every household of `events` through the episode loop, recording each month's end."""
    batch = HouseholdBatch(scenario, events)
    months = MonthlySeries(scenario.months, batch.size)
    stats = run_episodes(batch, policy, observer=months)
    months.finish(batch)
    under = 1.0 - batch.months_above_buffer / np.maximum(batch.duration, 1)
    return Lives(
        series=months.series,
        reward=stats.reward,
        broke_month=months.broke_month,
        under_buffer=under,
        yearly=months.yearly(scenario.safety_buffer),
    )


def yearly_split(scenario: Scenario, events: LifeEvents, policy: Policy) -> dict[str, list[float]]:
    """How `policy` splits the money of the households of `events`, year by year (`Lives.yearly`): what a
    simulation's `policies.{name}.yearly` holds."""
    return live(scenario, events, policy).yearly


def percentile_bands(values: np.ndarray) -> dict[str, list[float]]:
    """`{"p5": [...], ..., "p95": [...]}` over households of (months, B) values, one entry a month.

    Linear interpolation between order statistics, as `np.percentile`; one sort serves every band."""
    ordered = np.sort(values, axis=1)  # (months, B)
    bands = {}
    for p in PERCENTILES:
        rank = (ordered.shape[1] - 1) * p / 100
        low, high = int(np.floor(rank)), int(np.ceil(rank))
        row = ordered[:, low] + (ordered[:, high] - ordered[:, low]) * (rank - low)  # (months,)
        bands[f"p{p}"] = np.round(row, 2).tolist()
    return bands


def totals(lives: Lives, months: int) -> dict[str, Any]:
    """The end of the simulation in a few figures (euros in today's euros)."""
    end, spent, broke = lives.real_net_worth_end, lives.total_spending, lives.broke_month > 0
    years = -(-months // 12)
    return {
        "median_real_net_worth": round(float(np.median(end)), 2),
        "p5_real_net_worth": round(float(np.percentile(end, 5)), 2),
        "p95_real_net_worth": round(float(np.percentile(end, 95)), 2),
        "median_total_spending": round(float(np.median(spent)), 2),
        "mean_total_spending": round(float(spent.mean()), 2),
        "share_broke": float(broke.mean()),
        "share_broke_by_year": [
            float(((lives.broke_month > 0) & (lives.broke_month <= 12 * (y + 1))).mean()) for y in range(years)
        ],
        "median_broke_month": int(np.median(lives.broke_month[broke])) if broke.any() else None,
        "share_months_under_buffer": float(lives.under_buffer.mean()),
        "avg_reward": float(lives.reward.mean()),
    }


def paired_against(model: Outcome, other: Outcome) -> dict[str, dict[str, Any]]:
    """Trained model minus `other`, household by household: reward, real net worth at the end, spending; each a
    `paired.comparison` (`diff`, `stderr`, and what they are with their verdict)."""
    return {
        name: comparison(getattr(model, name), getattr(other, name), name)
        for name in ("reward", "real_net_worth", "total_spending")
    }


RULES = ("target_liquidity_2", "target_liquidity_4")
"""The baselines the end-of-run held-out evaluation is compared with, when their tunings are on disk."""


def heldout_summary(
    scenario: Scenario,
    strategist: Strategist,
    executor: Executor,
    households: int = RUN_HELD_OUT_HOUSEHOLDS,
    models_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The trained agents on `evaluate`'s held-out households, in euros: for the end-of-training banner.

    With `models_dir` holding the household's tunings (`saved_tunings`), also `"rules"`: each target-liquidity
    rule's tuned numbers and the model minus the rule on the same households, paired (reward, real net
    worth, total spending, each {diff, stderr})."""
    from hrl_trainer.evaluation.scoring import hrl_policy  # torch, only when the agents run

    events = fixed_households(scenario, households, "held_out")
    lives = live(scenario, events, hrl_policy(strategist, executor))
    summary = totals(lives, scenario.months)
    result: dict[str, Any] = {
        key: summary[key] for key in ("median_real_net_worth", "p5_real_net_worth", "share_broke")
    }
    tuned = None if models_dir is None else saved_tunings(scenario, models_dir)
    if tuned is not None:
        result["rules"] = {
            name: {
                "tuned": dict(tuned[name]),
                "paired": paired_against(lives.outcome(), live(scenario, events, rule_from(tuned[name])).outcome()),
            }
            for name in RULES
        }
    return result
