"""Simulating a household's future in euros: the trained agents and the baselines on the same lives.

Every policy lives exactly the same pre-drawn lives (`LifeEvents`), as in `evaluation`, so the
paired differences against the trained model measure the policies, not luck. Per policy the result
holds, month by month, the percentiles of liquid money and invested money (nominal euros), real net
worth and spending (today's euros, i.e. divided by the price level), and totals at the end.

Torch is imported only by the functions that run the agents, so importing this module is cheap.
"""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hrl_trainer.common.config import DEFAULT_HOUSEHOLDS, MAX_HOUSEHOLD_MONTHS, MAX_HOUSEHOLDS  # noqa: F401 (re-exported)
from hrl_trainer.common.money import format_euro
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.baselines.rule_of_thumb import EmergencyFundFirst
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents

Tunings = dict[str, Any]
"""What `tune_baselines` returns: see `baseline_cache.Tunings`."""

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist
    from hrl_trainer.use.flat_store import FlatBaseline

TUNING_HOUSEHOLDS = 200
HELDOUT_HOUSEHOLDS = 500
PERCENTILES = (5, 25, 50, 75, 95)
SERIES_UNITS = {
    "liquid": "nominal euros (cash + savings)",
    "invested": "nominal euros",
    "real_net_worth": "today's euros (liquid + invested, divided by the price level)",
    "spending": "today's euros (discretionary spending of the month)",
}
POLICIES = {
    "hrl": "Trained model: the Strategist's goals and the Executor's monthly splits",
    "best_fixed": "Best fixed split: the same invest / save / spend shares every month",
    "buffer_first": "Buffer first: everything to savings below the safety buffer, then a fixed split",
    "rule_of_thumb": "",  # described by the rule itself
    "target_liquidity_2": "Target liquidity (two numbers): keep savings at k safety buffers, spend a share of "
                          "the month's money, invest the rest",
    "target_liquidity_4": "Target liquidity (four numbers): one spend share below the target and another above "
                          "it, a share of the gap closed each month, the rest invested",
    "flat_ppo": "Flat PPO: the Executor alone (no Strategist), trained on the model's own budget, settings and seed",
    "random": "Random split every month",
}


def figures_key(scenario: Scenario) -> Scenario:
    """The scenario without its name and description: households with the same figures share tunings."""
    return dataclasses.replace(scenario, name="", description="")


def tune_baselines(figures: Scenario) -> Tunings:
    """The tuned baselines of `evaluate` (same grids, same tuning households): the best fixed split, the
    buffer-first rule's split and the two target-liquidity rules' numbers."""
    from hrl_trainer.evaluation.scoring import tuned_baselines

    best_fixed, buffer_first, rule_2, rule_4 = tuned_baselines(figures, TUNING_HOUSEHOLDS)
    return {"best_fixed": best_fixed, "buffer_first": buffer_first, "target_liquidity_2": dict(rule_2),
            "target_liquidity_4": dict(rule_4)}


@lru_cache(maxsize=128)
def tuned_values(figures: Scenario, models_dir: str | None = None) -> Tunings:
    """`tune_baselines`, remembered per household figures (the tuning is the slow part of a simulation):
    in memory, and on disk under `models_dir` when given, so that a restarted server does not tune again."""
    if models_dir is None:
        return tune_baselines(figures)
    from hrl_trainer.baselines.cache import cached_tunings

    return cached_tunings(figures, TUNING_HOUSEHOLDS, models_dir, tune_baselines)


def household_tunings(scenario: Scenario, models_dir: str | Path | None = None) -> Tunings:
    """`tuned_values` of the scenario's figures, kept on disk under `models_dir` when given."""
    return tuned_values(figures_key(scenario), None if models_dir is None else str(resolve_models_dir(models_dir)))


@dataclass
class Lives:
    """What one policy did to every household: series (months, B) and per-household totals (B,)."""

    series: dict[str, np.ndarray]
    reward: np.ndarray
    broke_month: np.ndarray
    """Month (1-based) the household went broke, 0 if it never did."""
    under_buffer: np.ndarray
    """Share of the household's months that ended with liquid money under the safety buffer."""

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


def live(scenario: Scenario, events: LifeEvents, policy) -> Lives:
    """Run `policy` on every household of `events`, recording each month's end."""
    batch = HouseholdBatch(scenario, events)
    policy.reset(batch)
    months, n = scenario.months, batch.size
    series = {name: np.zeros((months, n)) for name in SERIES_UNITS}
    reward = np.zeros(n)
    broke_month = np.zeros(n, dtype=np.int64)
    for t in range(months):
        if not batch.done:
            result = batch.step(policy.act(batch))
            reward += result.reward
            broke_month = np.where(result.terminated, t + 1, broke_month)
            spending = result.spending / batch.price
        else:  # everyone went broke: the balances stay as they were
            spending = np.zeros(n)
        series["liquid"][t] = batch.liquid
        series["invested"][t] = batch.invested
        series["real_net_worth"][t] = batch.wealth / batch.price
        series["spending"][t] = spending
    under = 1.0 - batch.months_above_buffer / np.maximum(batch.duration, 1)
    return Lives(series=series, reward=reward, broke_month=broke_month, under_buffer=under)


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
        "share_broke_by_year": [float(((lives.broke_month > 0) & (lives.broke_month <= 12 * (y + 1))).mean())
                                for y in range(years)],
        "median_broke_month": int(np.median(lives.broke_month[broke])) if broke.any() else None,
        "share_months_under_buffer": float(lives.under_buffer.mean()),
        "avg_reward": float(lives.reward.mean()),
    }


def paired_against(model: Outcome, other: Outcome) -> dict[str, dict[str, float]]:
    """Trained model minus `other`, household by household: reward, real net worth at the end, spending."""
    from hrl_trainer.evaluation.scoring import mean_and_stderr

    return {name: mean_and_stderr(getattr(model, name) - getattr(other, name))
            for name in ("reward", "real_net_worth", "total_spending")}


def baseline_policies(scenario: Scenario, seed: int, models_dir: str | Path | None = None
                      ) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each baseline with what describes it (its split, its rule's tuned numbers); tunings cached under `models_dir`."""
    from hrl_trainer.evaluation.scoring import BufferFirst, FixedSplit, RandomSplit
    from hrl_trainer.baselines.rules import rule_from

    tuned = household_tunings(scenario, models_dir)
    rule = EmergencyFundFirst()
    as_list = lambda split: [round(float(x), 2) for x in split]  # noqa: E731
    return {
        "best_fixed": (FixedSplit(tuned["best_fixed"]), {"split": as_list(tuned["best_fixed"])}),
        "buffer_first": (BufferFirst(tuned["buffer_first"]), {"split": as_list(tuned["buffer_first"])}),
        "target_liquidity_2": (rule_from(tuned["target_liquidity_2"]), {"tuned": dict(tuned["target_liquidity_2"])}),
        "target_liquidity_4": (rule_from(tuned["target_liquidity_4"]), {"tuned": dict(tuned["target_liquidity_4"])}),
        "rule_of_thumb": (rule, {"description": rule.describe(), "emergency_fund_months": rule.months_of_expenses,
                                 "split": as_list(rule.after)}),
        "random": (RandomSplit(np.random.default_rng([seed, 1])), {}),
    }


def simulate(scenario: Scenario, strategist: Strategist, executor: Executor, households: int = DEFAULT_HOUSEHOLDS,
             seed: int | None = None, months: int | None = None, models_dir: str | Path | None = None,
             flat_ppo: FlatBaseline | None = None) -> dict[str, Any]:
    """The trained agents and every baseline on the same `households` lives of `scenario`.

    `months` overrides the scenario's horizon; `models_dir` keeps the baselines' tunings on disk; `flat_ppo`
    (a trained flat Executor, `flat_store.flat_baseline`) joins the baselines when given. Returns `{"seed",
    "households", "months", "units", "policies": {name: {"description", "series", "totals", ...}},
    "paired": {baseline: {...}}}`."""
    from hrl_trainer.evaluation.scoring import hrl_policy

    if months is not None:
        scenario = dataclasses.replace(scenario, months=months)
    seed = secrets.randbelow(2**32) if seed is None else seed
    events = LifeEvents.draw(scenario, households, np.random.default_rng(seed))
    policies = {"hrl": (hrl_policy(strategist, executor), {}), **baseline_policies(scenario, seed, models_dir)}
    if flat_ppo is not None:
        policies["flat_ppo"] = (flat_ppo.policy(), {"trained": dict(flat_ppo.trained)})
    results, outcomes = {}, {}
    for name, (policy, extra) in policies.items():
        lives = live(scenario, events, policy)  # one policy's monthly series at a time: bounded memory
        outcomes[name] = lives.outcome()
        results[name] = {
            "description": extra.pop("description", POLICIES[name]), **extra,
            "totals": totals(lives, scenario.months),
            "series": {key: percentile_bands(values) for key, values in lives.series.items()},
        }
    return {
        "seed": seed, "households": households, "months": scenario.months, "units": SERIES_UNITS,
        "policies": results,
        "paired": {name: paired_against(outcomes["hrl"], outcomes[name]) for name in policies if name != "hrl"},
    }


RULES = ("target_liquidity_2", "target_liquidity_4")
"""The baselines the end-of-run held-out evaluation is compared with, when their tunings are on disk."""


def saved_tunings(figures: Scenario, models_dir: str | Path | None) -> Tunings | None:
    """The tunings a simulation or an earlier run left on disk for these figures; None if there are none
    (reading them takes a millisecond; tuning them takes seconds, too long for the end of a run)."""
    from hrl_trainer.baselines.cache import cache_path, read_tunings

    return read_tunings(cache_path(figures, TUNING_HOUSEHOLDS, models_dir), figures, TUNING_HOUSEHOLDS)


def heldout_summary(scenario: Scenario, strategist: Strategist, executor: Executor,
                    households: int = HELDOUT_HOUSEHOLDS, models_dir: str | Path | None = None) -> dict[str, Any]:
    """The trained agents on `evaluate`'s held-out households, in euros: for the end-of-training banner.

    With `models_dir` holding the household's tunings (`saved_tunings`), also `"rules"`: each target-liquidity
    rule's tuned numbers and the model minus the rule on the same households, paired (reward, real net
    worth, total spending, each {diff, stderr})."""
    from hrl_trainer.evaluation.scoring import fixed_households, hrl_policy
    from hrl_trainer.baselines.rules import rule_from

    events = fixed_households(scenario, households, "held_out")
    lives = live(scenario, events, hrl_policy(strategist, executor))
    summary = totals(lives, scenario.months)
    result: dict[str, Any] = {key: summary[key] for key in ("median_real_net_worth", "p5_real_net_worth", "share_broke")}
    tuned = None if models_dir is None else saved_tunings(figures_key(scenario), models_dir)
    if tuned is not None:
        result["rules"] = {name: {"tuned": dict(tuned[name]),
                                  "paired": paired_against(lives.outcome(),
                                                           live(scenario, events, rule_from(tuned[name])).outcome())}
                           for name in RULES}
    return result


def simulation_table(result: dict[str, Any]) -> str:
    """The policies side by side, as plain text (euros in today's euros)."""
    header = ("policy", "median real net worth", "p5 real net worth", "median total spending", "broke",
              "months under buffer", "model minus policy (net worth)")
    rows = [header]
    for name, policy in result["policies"].items():
        t, diff = policy["totals"], result["paired"].get(name)
        rows.append((name, format_euro(t["median_real_net_worth"]), format_euro(t["p5_real_net_worth"]),
                     format_euro(t["median_total_spending"]), f"{t['share_broke']:.1%}",
                     f"{t['share_months_under_buffer']:.1%}",
                     f"{format_euro(diff['real_net_worth']['diff'])} ± {format_euro(diff['real_net_worth']['stderr'])}"
                     if diff else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    return "\n".join([f"{result['households']} households, {result['months']} months, seed {result['seed']}; "
                      "euros are today's euros", *lines])
