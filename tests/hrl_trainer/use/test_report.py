"""The printable report (hrl_trainer.use.report): it fits a phone and prints on A4 without forced breaks, writes
amounts and dates as the page does in the reader's locale, draws the model and its two strongest baselines with
ticks at round steps, and labels the medians and the paired means with the verdict the API computed."""

from __future__ import annotations

import re

import pytest
import torch

from hrl_trainer import load_scenario
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.common.money import format_datetime, format_euro
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from hrl_trainer.use.policy_looks import policy_look
from hrl_trainer.use.report import comparison, nice_step, render_report, strongest_baselines
from hrl_trainer.use.simulations import create_simulation


@pytest.fixture(scope="module")
def record(tmp_path_factory, tunings):
    models = tmp_path_factory.mktemp("report")
    torch.manual_seed(0)
    meta = {"scenario_name": "torino_single", "episodes_completed": 3, "seed": 1}
    record_agents("torino_single", Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), meta, models)
    tunings.seed(models, "torino_single")
    return create_simulation(load_scenario("torino_single"), households=20, seed=5, models_dir=models)


@pytest.mark.parametrize(
    ("span", "step"), [(16_615 - 12_391, 1000), (12_000, 2000), (14_000, 2500), (0.9, 0.2), (7, 2), (100, 20), (3, 0.5)]
)
def test_ticks_are_round_steps(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_the_report_fits_a_phone_and_prints_without_forced_breaks(record):
    html = render_report(record)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@page { size: A4" in html
    assert not re.search(r"break-before:\s*page|page-break-before", html)
    assert "section { break-inside" not in html  # a whole section pushed to the next page leaves one near-blank
    assert "<script" not in html and "http" not in html


def test_the_report_writes_dates_and_amounts_as_the_page_does(record):
    english, italian = render_report(record, "en-GB"), render_report(record, "it-IT")
    assert record["created_at"] not in english  # never a raw ISO date
    assert format_datetime(record["created_at"], "en-GB") in english
    assert format_datetime(record["created_at"], "it-IT") in italian
    buffer = record["scenario"]["safety_buffer"]
    assert format_euro(buffer, locale="en-GB") in english and format_euro(buffer, locale="it-IT") in italian
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', english)
    assert ticks and all(re.fullmatch(r"-?€\d{1,3}(,\d{3})*", tick) for tick in ticks), ticks


def test_the_charts_draw_the_model_and_the_two_strongest_baselines(record):
    strongest = strongest_baselines(record)
    means = {name: comparison(record, name)["mean"] for name in record["paired"]}
    assert len(strongest) == 2 and all(
        means[name] <= min(means[o] for o in means if o not in strongest) for name in strongest
    )
    html = render_report(record)
    chart = html[html.index("<svg") : html.index("</svg>")]
    drawn = {name for name in record["policies"] if f'stroke="{policy_look(name).color}"' in chart}
    colours = {policy_look(name).color for name in ("hrl", *strongest)}
    assert {policy_look(name).color for name in drawn} == colours


def test_the_paired_table_names_its_statistic_and_shows_the_api_verdict(record):
    html = render_report(record)
    assert "Policies compared on the same households: medians and shares over 20 households" in html
    assert (
        "mean paired difference in real net worth at the end, today&#x27;s € ± standard error, over 20 households"
        in html
    )
    name = next(iter(record["paired"]))
    with_verdict = {
        **record,
        "paired": {
            **record["paired"],
            name: {**record["paired"][name], "real_net_worth": {"diff": -10.0, "stderr": 2.0, "verdict": "behind"}},
        },
    }
    row = re.search(
        rf"<tr><td>{re.escape(policy_look(name).label)}</td>(.*?)</tr>",
        render_report(with_verdict).split("Paired differences")[1],
    )
    assert row and "<td>-€10 ± €2</td><td>model behind</td>" in row.group(1), row
