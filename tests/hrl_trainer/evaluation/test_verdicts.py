"""One verdict, from the number shown (issue 22): every comparison of the model with a baseline (the end of a run's
held-out summary, a simulation, `evaluate`, the report, the CSV table) names its measure, unit, statistic and
households, and carries the verdict `verdict.verdict` draws from that very mean and standard error."""

from __future__ import annotations

import re
from html import escape

import pytest
import torch

from hrl_trainer import load_scenario
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.evaluation.euros import heldout_summary
from hrl_trainer.evaluation.verdict import described, verdict
from hrl_trainer.use.policy_looks import policy_look
from hrl_trainer.use.report import VERDICTS as REPORT_VERDICTS
from hrl_trainer.use.report import render_report
from hrl_trainer.use.simulations import simulate, simulation_table
from hrl_trainer.use.tables import TABLE_COLUMNS, table_rows

HOUSEHOLDS, MONTHS = 40, 24
FIELDS = {"diff", "stderr", "measure", "unit", "statistic", "households", "mean", "se", "verdict"}
UNITS = {"reward": "reward", "real_net_worth": "EUR", "total_spending": "EUR"}


@pytest.mark.parametrize(
    "mean, se, expected",
    [
        (3.0, 1.0, "ahead"),
        (2.0, 1.0, "level"),  # exactly 2 standard errors is not beyond them
        (-2.01, 1.0, "behind"),
        (0.0, 0.0, "level"),
        (0.1, 0.0, "ahead"),  # one household: no standard error, any difference counts
        (-258.0, 67.0, "behind"),  # the end-of-run text of the issue: -€258 ± €67 is behind, not ahead
    ],
)
def test_the_verdict_at_two_standard_errors(mean, se, expected):
    assert verdict(mean, se) == expected


def test_described_keeps_the_numbers_and_adds_what_they_are():
    shown = described({"diff": -258.0, "stderr": 67.0}, "real_net_worth", 200)
    assert shown == {
        "diff": -258.0,
        "stderr": 67.0,
        "measure": "real_net_worth",
        "unit": "EUR",
        "statistic": "mean_paired_difference",
        "households": 200,
        "mean": -258.0,
        "se": 67.0,
        "verdict": "behind",
    }


def assert_consistent(comparison: dict, measure: str, households: int) -> None:
    assert set(comparison) == FIELDS
    assert (comparison["measure"], comparison["unit"], comparison["households"]) == (
        measure,
        UNITS[measure],
        households,
    )
    assert (comparison["mean"], comparison["se"]) == (comparison["diff"], comparison["stderr"])
    assert comparison["verdict"] == verdict(comparison["mean"], comparison["se"])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    torch.manual_seed(0)
    models = tmp_path_factory.mktemp("verdicts")
    scenario = load_scenario("torino_single")
    agents = Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM)
    result = simulate(scenario, *agents, households=HOUSEHOLDS, seed=4, months=MONTHS, models_dir=models)
    return scenario, agents, models, result


def test_every_comparison_of_a_simulation_says_what_it_is_with_its_verdict(simulated):
    *_, result = simulated
    assert set(result["paired"]) == set(result["policies"]) - {"hrl"}
    for paired in result["paired"].values():
        for measure, comparison in paired.items():
            assert_consistent(comparison, measure, HOUSEHOLDS)


def test_the_table_shows_each_number_beside_its_own_verdict(simulated):
    *_, result = simulated
    rows = table_rows(result)
    assert [row["policy"] for row in rows] == list(result["policies"])
    model = rows[0]
    assert model["policy"] == "hrl" and all(model[column] is None for column in TABLE_COLUMNS[10:])
    for row in rows[1:]:
        worth = result["paired"][row["policy"]]["real_net_worth"]
        assert (row["mean"], row["se"], row["verdict"]) == (worth["mean"], worth["se"], worth["verdict"])
        assert (row["measure"], row["unit"], row["statistic"]) == ("real_net_worth", "EUR", "mean_paired_difference")
        assert row["median_real_net_worth"] == result["policies"][row["policy"]]["totals"]["median_real_net_worth"]
    text = simulation_table(result)
    assert "mean paired difference" in text and "ahead or behind beyond 2 standard errors" in text
    for row in rows[1:]:
        line = next(line for line in text.splitlines() if line.strip().startswith(row["policy"] + " "))
        assert line.rstrip().endswith(row["verdict"])


def test_a_simulation_saved_before_verdicts_gets_them_from_its_own_numbers(simulated):
    *_, result = simulated
    old = {
        **result,
        "paired": {
            n: {m: {"diff": c["diff"], "stderr": c["stderr"]} for m, c in p.items()}
            for n, p in result["paired"].items()
        },
    }
    assert table_rows(old) == table_rows(result)


def test_the_report_shows_each_difference_with_its_verdict_and_what_it_is(simulated):
    scenario, _, _, result = simulated
    record = {
        **result,
        "id": "verdicts",
        "created_at": "2026-12-01T10:00:00+00:00",
        "scenario_name": scenario.name,
        "scenario": scenario.to_dict(),
        "model": {"source": "published"},
    }
    html = render_report(record)
    assert (
        f"mean paired difference in real net worth at the end, today&#x27;s € ± standard error, over {HOUSEHOLDS}"
        in html
    )
    for name, paired in result["paired"].items():
        paired_table = html[html.index("Paired differences, household by household") :]
        row = re.search(rf"<tr><td>{re.escape(escape(policy_look(name).label))}</td>(.*?)</tr>", paired_table)
        assert row, name
        assert f"<td>{REPORT_VERDICTS[paired['real_net_worth']['verdict']]}</td>" in row.group(1)  # the number's own


def test_the_end_of_run_summary_draws_each_verdict_from_its_own_measure(simulated, tunings):
    scenario, agents, models, _ = simulated
    tunings.seed(models, scenario.name)
    summary = heldout_summary(scenario, *agents, households=30, models_dir=models)
    assert set(summary["rules"]) == {"target_liquidity_2", "target_liquidity_4"}
    for rule in summary["rules"].values():
        for measure, comparison in rule["paired"].items():
            assert_consistent(comparison, measure, 30)
