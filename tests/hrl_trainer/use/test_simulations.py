"""Simulations, advice and the rule of thumb, checked against independent computations."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest
import torch

from hrl_trainer import load_scenario
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.baselines.fixed import FixedSplit
from hrl_trainer.baselines.rule_of_thumb import EmergencyFundFirst
from hrl_trainer.baselines.tuning import figures_key, tunings
from hrl_trainer.common.money import format_euro
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents
from hrl_trainer.evaluation.euros import PERCENTILES, heldout_summary, live
from hrl_trainer.evaluation.scoring import score
from hrl_trainer.store.run_writer import record_agents
from hrl_trainer.store.simulation_store import delete_simulation, list_simulations, load_simulation
from hrl_trainer.use.advice import AdviceError, advise
from hrl_trainer.use.policy_looks import policy_look
from hrl_trainer.use.report import render_report, strongest_baselines
from hrl_trainer.use.simulations import create_simulation, simulate
from tests.hrl_trainer.helpers import cli, run_main

POLICIES = ("hrl", "best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4", "rule_of_thumb", "random")
"""Every policy a simulation compares."""


@pytest.fixture(scope="module")
def agents():
    torch.manual_seed(0)
    return Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM)


@pytest.fixture(scope="module")
def torino():
    return load_scenario("torino_single")


@pytest.fixture(scope="module")
def result(torino, agents):
    return simulate(torino, *agents, households=7, seed=11)


def by_hand(scenario, events, split):
    """Each household alone, month by month, with a plain Python loop over its own batch."""
    ends, spends, worth = [], [], []
    for row in range(events.households):
        batch = HouseholdBatch(scenario, events, rows=np.array([row]))
        total, path = 0.0, []
        for _ in range(scenario.months):
            if batch.done:
                path.append(path[-1])
                continue
            step = batch.step(np.array([split]))
            total += float(step.spending[0] / batch.price[0])
            path.append(float(batch.wealth[0] / batch.price[0]))
        ends.append(path[-1])
        spends.append(total)
        worth.append(path)
    return ends, spends, worth


def interpolated_percentile(values, p):
    """The linear-interpolation percentile, written out."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def test_percentiles_and_totals_match_an_independent_computation(torino, result):
    events = LifeEvents.draw(torino, 7, np.random.default_rng(11))
    split = result["policies"]["best_fixed"]["split"]
    assert split == [round(float(x), 2) for x in tunings(figures_key(torino))["best_fixed"]]
    ends, spends, worth = by_hand(torino, events, tunings(figures_key(torino))["best_fixed"])
    policy = result["policies"]["best_fixed"]
    bands = policy["series"]["real_net_worth"]
    for p in PERCENTILES:
        for month in (0, 59, 119):
            expected = interpolated_percentile([w[month] for w in worth], p)
            assert bands[f"p{p}"][month] == pytest.approx(expected, abs=0.01)
    assert policy["totals"]["median_real_net_worth"] == pytest.approx(statistics.median(ends), abs=0.01)
    assert policy["totals"]["median_total_spending"] == pytest.approx(statistics.median(spends), abs=0.01)
    assert len(bands["p50"]) == torino.months and result["months"] == torino.months


def test_paired_differences_are_household_by_household(torino, agents, result):
    events = LifeEvents.draw(torino, 7, np.random.default_rng(11))
    from hrl_trainer.evaluation.scoring import hrl_policy

    model = live(torino, events, hrl_policy(*agents))
    baseline = live(torino, events, EmergencyFundFirst())
    diffs = list(model.real_net_worth_end - baseline.real_net_worth_end)
    paired = result["paired"]["rule_of_thumb"]["real_net_worth"]
    assert paired["diff"] == pytest.approx(statistics.fmean(diffs))
    assert paired["stderr"] == pytest.approx(statistics.stdev(diffs) / math.sqrt(7))
    assert set(result["paired"]) == set(POLICIES) - {"hrl"}


@pytest.mark.parametrize(("name", "index"), [("target_liquidity_2", 2), ("target_liquidity_4", 3)])
def test_the_target_liquidity_rules_report_evaluates_tuning_and_score_as_by_hand(
    torino, agents, result, torino_tuned_afresh, name, index
):
    """Tuned as `evaluate` tunes them (same grids, same tuning households); each household's reward as the
    scalar re-computation of tests/hrl_trainer/baselines/test_rules.py says; paired household by household."""
    from hrl_trainer.evaluation.scoring import hrl_policy
    from tests.hrl_trainer.baselines.test_rules import live_by_hand

    tuned = torino_tuned_afresh[name]  # as `evaluate` tunes them: same grids, same 200 tuning households
    policy = result["policies"][name]
    assert policy["tuned"] == tuned and policy["description"].startswith("Target liquidity")
    four = (
        (tuned["k"], tuned["spend"], tuned["spend"], 1.0)
        if index == 2
        else (tuned["k"], tuned["spend_below"], tuned["spend_above"], tuned["close"])
    )
    events = LifeEvents.draw(torino, 7, np.random.default_rng(11))
    by_hand = [live_by_hand(torino, events, row, *four) for row in range(7)]
    assert policy["totals"]["avg_reward"] == pytest.approx(statistics.fmean(by_hand), rel=1e-9)
    model = live(torino, events, hrl_policy(*agents)).reward
    diffs = [float(m) - b for m, b in zip(model, by_hand)]
    paired = result["paired"][name]["reward"]
    assert paired["diff"] == pytest.approx(statistics.fmean(diffs), rel=1e-9)
    assert paired["stderr"] == pytest.approx(statistics.stdev(diffs) / math.sqrt(7), rel=1e-9)


def test_every_policy_lives_the_same_lives_as_evaluate(torino):
    events = fixed_households(torino, 20, "held_out")
    split = np.array([0.2, 0.5, 0.3])
    assert np.allclose(live(torino, events, FixedSplit(split)).reward, score(torino, events, FixedSplit(split)).reward)


def test_rule_of_thumb_saves_until_the_fund_then_splits(torino):
    events = LifeEvents.draw(torino, 2, np.random.default_rng(0))
    batch = HouseholdBatch(torino, events)
    rule = EmergencyFundFirst(months_of_expenses=3, invest_share=0.6)
    batch.savings[:] = [0.0, 10_000.0]
    batch.cash[:] = 0.0
    assert rule.act(batch).tolist() == [[0.0, 1.0, 0.0], [0.6, 0.0, 0.4]]
    assert rule.fund(batch)[0] == pytest.approx(3 * 1400)
    assert "3 months of expenses" in rule.describe()


def test_results_are_reproducible_and_json_safe(torino, agents, result):
    again = simulate(torino, *agents, households=7, seed=11)
    assert json.dumps(again, allow_nan=False) == json.dumps(result, allow_nan=False)
    totals = result["policies"]["hrl"]["totals"]
    assert 0 <= totals["share_broke"] <= 1 and len(totals["share_broke_by_year"]) == 10
    shorter = simulate(torino, *agents, households=3, seed=1, months=24)
    assert shorter["months"] == 24 and len(shorter["policies"]["random"]["series"]["liquid"]["p95"]) == 24


def test_heldout_summary_fields(torino, agents):
    summary = heldout_summary(torino, *agents, households=20)
    assert set(summary) == {"median_real_net_worth", "p5_real_net_worth", "share_broke"}
    assert summary["p5_real_net_worth"] <= summary["median_real_net_worth"]


def test_advice_is_deterministic_and_adds_up(torino, agents):
    first = advise(torino, *agents, month=30, savings=1000.0, invested=5000.0)
    assert first == advise(torino, *agents, month=30, savings=1000.0, invested=5000.0)
    assert sum(first["split"].values()) == pytest.approx(1.0, abs=1e-5)
    assert sum(first["amounts"].values()) == pytest.approx(first["available"], abs=0.05)
    price = (1.02 ** (1 / 12)) ** 31
    assert first["expenses"] == pytest.approx(1400 * price, abs=0.01)
    assert first["income"] == pytest.approx(1600 * 1.02**2, abs=0.01)  # raised in months 12 and 24
    assert first["available"] == pytest.approx(first["income"] - first["expenses"], abs=0.02)
    assert format_euro(first["amounts"]["spend"]) in first["sentence"]
    loss = advise(torino, *agents, month=30, savings=1000.0, invested=0.0, income_loss_months_left=2)
    assert loss["shortfall"] > 0 and loss["available"] == 0 and "exceed" in loss["sentence"]
    assert advise(torino, *agents, month=0, savings=0, invested=0)["available"] == pytest.approx(
        2500 + 1600 - 1400 * 1.02 ** (1 / 12), abs=0.01
    )
    with pytest.raises(AdviceError) as error:
        advise(torino, *agents, month=120, savings=0, invested=0, income_loss_months_left=99)
    assert set(error.value.errors) == {"month", "income_loss_months_left"}


@pytest.mark.parametrize("name", ["torino_single", "roma_famiglia"])
def test_advice_reckons_the_month_as_the_simulator_lives_it_without_luck(name, agents):
    """At random months and balances, advice's income, expenses and money are `expected_money` of the household
    `HouseholdBatch.at_month` builds, and the money is what that household spends in a calm month if told to."""
    scenario, rng = load_scenario(name), np.random.default_rng(4)
    for _ in range(10):
        month, loss = int(rng.integers(0, scenario.months)), int(rng.integers(0, scenario.income_loss_max_months + 1))
        savings, invested, cash = (float(x) for x in rng.uniform(0, 20000, 3).round(2))
        advice = advise(
            scenario, *agents, month=month, savings=savings, invested=invested, cash=cash, income_loss_months_left=loss
        )
        batch = HouseholdBatch.at_month(scenario, month, cash, savings, invested, loss)
        income, expenses, money = batch.expected_money()
        assert income.shape == expenses.shape == money.shape == (1,)
        assert (advice["income"], advice["expenses"]) == (round(float(income[0]), 2), round(float(expenses[0]), 2))
        assert (advice["available"], advice["shortfall"]) == (
            round(max(float(money[0]), 0.0), 2),
            round(max(-float(money[0]), 0.0), 2),
        )
        spent = float(batch.step(np.array([[0.0, 0.0, 1.0]])).spending[0])
        assert advice["available"] == pytest.approx(spent, abs=0.01)


def test_store_and_report(tmp_path, torino, agents, tunings):
    record_agents("torino_single", *agents, {"scenario_name": "torino_single", "episodes_completed": 3}, tmp_path)
    tunings.seed(tmp_path, "torino_single")
    record = create_simulation(torino, households=5, seed=2, models_dir=tmp_path)
    assert load_simulation(record["id"], tmp_path) == json.loads(json.dumps(record))
    assert [s["id"] for s in list_simulations(tmp_path)] == [record["id"]]
    html = render_report(record)
    assert "torino_single" in html and html.count("<svg") == 2 and "<script" not in html and "http" not in html
    # the one table of labels and colours (also served by GET /api/policies); drawn: the model, the 2 strongest
    for name in ["hrl", *strongest_baselines(record)]:
        look = policy_look(name)
        assert f'style="background:{look.color}"></span>{look.label}</li>' in html and f'stroke="{look.color}"' in html
    delete_simulation(record["id"], tmp_path)
    assert list_simulations(tmp_path) == [] and not list((tmp_path / "simulations").iterdir())


def test_simulate_cli(tmp_path, agents, tunings, capsys):
    record_agents("torino_single", *agents, {"scenario_name": "torino_single"}, tmp_path)
    tunings.seed(tmp_path, "torino_single")
    simulate = [
        "simulate",
        "--scenario",
        "torino_single",
        "--households",
        "30",
        "--seed",
        "3",
        "--models-dir",
        str(tmp_path),
    ]
    table = cli(*simulate, check=False)
    assert table.returncode == 0, table.stderr
    assert all(name in table.stdout for name in POLICIES)
    assert "€" in table.stdout and "today's euros" in table.stdout
    status, out, _ = run_main(capsys, *simulate, "--json")
    data = json.loads(out)
    assert status == 0 and data["households"] == 30 and set(data["policies"]) == set(POLICIES)
    status, _, err = run_main(capsys, *simulate, "--run", "nope")
    assert status == 2 and "nope" in err


def test_a_republished_model_replaces_the_remembered_one(tmp_path):
    from hrl_trainer.store.model_lookup import resolve_agents

    first = (Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM))
    record_agents("torino_single", *first, {}, tmp_path)
    loaded = resolve_agents("torino_single", None, tmp_path)
    assert resolve_agents("torino_single", None, tmp_path) is loaded  # remembered
    second = (Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM))
    record_agents("torino_single", *second, {}, tmp_path)
    reloaded = resolve_agents("torino_single", None, tmp_path)
    weights = lambda agent: agent.actor[0].weight  # noqa: E731
    assert torch.equal(weights(reloaded[1]), weights(second[1])) and not torch.equal(
        weights(reloaded[1]), weights(first[1])
    )
