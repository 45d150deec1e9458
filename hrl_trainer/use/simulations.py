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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hrl_trainer.baselines.tuning import baseline_policies, tunings
from hrl_trainer.common.config import DEFAULT_HOUSEHOLDS
from hrl_trainer.common.money import format_euro
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import LifeEvents
from hrl_trainer.evaluation.euros import SERIES_UNITS, live, paired_against, percentile_bands, totals
from hrl_trainer.store.model_lookup import resolve_agents
from hrl_trainer.store.simulation_store import DEFAULT_KEPT, model_info, save_simulation
from hrl_trainer.use.flat_store import FlatBaseline, flat_baseline
from hrl_trainer.use.tables import net_worth_comparison

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist

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


def simulate(
    scenario: Scenario,
    strategist: Strategist,
    executor: Executor,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int | None = None,
    months: int | None = None,
    models_dir: str | Path | None = None,
    flat_ppo: FlatBaseline | None = None,
) -> dict[str, Any]:
    """The trained agents and every baseline on the same `households` lives of `scenario`.

    `months` overrides the scenario's horizon; `models_dir` keeps the baselines' tunings on disk; `flat_ppo`
    (a trained flat Executor, `flat_store.flat_baseline`) joins the baselines when given. Returns `{"seed",
    "households", "months", "units", "policies": {name: {"description", "series", "totals", "yearly", ...}},
    "paired": {baseline: {...}}}`."""
    from hrl_trainer.evaluation.scoring import hrl_policy  # torch, only when a simulation runs

    if months is not None:
        scenario = dataclasses.replace(scenario, months=months)
    seed = secrets.randbelow(2**32) if seed is None else seed
    events = LifeEvents.draw(scenario, households, np.random.default_rng(seed))
    policies = {"hrl": (hrl_policy(strategist, executor), {}), **baseline_policies(tunings(scenario, models_dir), seed)}
    if flat_ppo is not None:
        policies["flat_ppo"] = (flat_ppo.policy(), {"trained": dict(flat_ppo.trained)})
    results, outcomes = {}, {}
    for name, (policy, extra) in policies.items():
        lives = live(scenario, events, policy)  # one policy's monthly series at a time: bounded memory
        outcomes[name] = lives.outcome()
        results[name] = {
            "description": extra.pop("description", POLICIES[name]),
            **extra,
            "totals": totals(lives, scenario.months),
            "yearly": lives.yearly,
            "series": {key: percentile_bands(values) for key, values in lives.series.items()},
        }
    return {
        "seed": seed,
        "households": households,
        "months": scenario.months,
        "units": SERIES_UNITS,
        "policies": results,
        "paired": {name: paired_against(outcomes["hrl"], outcomes[name]) for name in policies if name != "hrl"},
    }


def simulation_table(result: dict[str, Any]) -> str:
    """The policies side by side, as plain text (euros in today's euros)."""
    header = (
        "policy",
        "median real net worth",
        "p5 real net worth",
        "median total spending",
        "broke",
        "months under buffer",
        "model minus policy (net worth, mean paired difference)",
    )
    rows = [header]
    for name, policy in result["policies"].items():
        t, diff = policy["totals"], net_worth_comparison(result, name)
        rows.append(
            (
                name,
                format_euro(t["median_real_net_worth"]),
                format_euro(t["p5_real_net_worth"]),
                format_euro(t["median_total_spending"]),
                f"{t['share_broke']:.1%}",
                f"{t['share_months_under_buffer']:.1%}",
                f"{format_euro(diff['mean'])} ± {format_euro(diff['se'])} {diff['verdict']}" if diff else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    return "\n".join(
        [
            f"{result['households']} households, {result['months']} months, seed {result['seed']}; "
            "euros are today's euros; model minus policy: mean ± standard error over the same households, "
            "ahead or behind beyond 2 standard errors, else level",
            *lines,
        ]
    )


def create_simulation(
    scenario: Scenario,
    run_id: str | None = None,
    households: int = 1000,
    seed: int | None = None,
    months: int | None = None,
    models_dir: str | Path | None = None,
    flat_ppo: bool = False,
    scenarios_dir: str | Path | None = None,
    keep: int = DEFAULT_KEPT,
) -> dict[str, Any]:
    """Simulate the model (the run's, or the scenario's published one) on `scenario` and save it, keeping
    the newest `keep` saved simulations; with `flat_ppo`, beside the model's flat PPO (trained on its
    budget once, then read from its file).

    Raises model_lookup.ModelNotFound when there is no such model, flat_store.FlatUnavailable when its
    flat PPO cannot be trained."""
    strategist, executor = resolve_agents(scenario.name, run_id, models_dir)
    flat = flat_baseline(scenario.name, run_id, models_dir, scenarios_dir) if flat_ppo else None
    result = simulate(
        scenario,
        strategist,
        executor,
        households=households,
        seed=seed,
        months=months,
        models_dir=models_dir,
        flat_ppo=flat,
    )
    record = {
        "id": secrets.token_hex(8),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_name": scenario.name,
        "run_id": run_id,
        "scenario": scenario.to_dict(),
        "model": model_info(scenario.name, run_id, models_dir),
        **result,
    }
    save_simulation(record, models_dir, keep)
    return record
