"""Compared runs (#/compare/{ids}) in headless Chromium, against a real server and real runs, at 1440x900 and on
a 390x844 phone: one chart per metric with a distinct title, names in the legends, formatted axes, smoothing,
a check box per run, episodes or wall time along the x axis, runs that differ only by seed as mean ± one standard
deviation, and a table of only the settings that differ."""

from __future__ import annotations

import re
import statistics

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import SIZES, controls_outside_viewport, trained_run

pytestmark = pytest.mark.browser
SCENARIO = "torino_single"
TITLES = [
    "Average reward",
    "Liquid money",
    "Invested",
    "Stability (higher is better)",
    "Goal distance (lower is better)",
]


@pytest.fixture(scope="module")
def runs(server) -> list[dict]:
    """Three runs of torino_single that differ only by seed, then one with other settings."""
    return [
        *(trained_run(server, SCENARIO, episodes=12, save_interval=6, seed=seed) for seed in (1, 2, 3)),
        trained_run(server, SCENARIO, episodes=8, save_interval=4, seed=1),
    ]


def open_compare(open_dashboard, runs: list[dict], size: str = "laptop"):
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(SIZES[size])
    page.goto(f"{dashboard.url}/#/compare/{','.join(r['run_id'] for r in runs)}")
    expect(page.locator("#compare-page")).to_have_attribute("data-state", "shown")
    return dashboard


def chart(page, metric: str) -> dict:
    return page.locator(f'#compare-charts figure[data-chart="{metric}"]').evaluate(
        """figure => { const plot = figure.chart.plot; return {
            labels: plot.series.map(s => s.label), shown: plot.series.map(s => s.show), data: plot.data,
            ticks: plot.axes.map(a => a._values || []), bands: (plot.bands || []).map(b => b.series),
            legend: [...figure.querySelectorAll('.u-legend .u-series')].filter(r => getComputedStyle(r).display !== 'none')
                .map(r => r.querySelector('.u-label').textContent) }; }"""
    )


def name(run: dict) -> str:
    return f"{SCENARIO} #{run['run_id'][-4:]}, seed {run['seed']}"


@pytest.mark.parametrize("size", SIZES)
def test_runs_on_the_same_charts_named_and_formatted(open_dashboard, runs, size):
    dashboard = open_compare(open_dashboard, runs, size)
    page = dashboard.page
    expect(page.locator("#compare-title")).to_have_text("Compare 4 runs")
    captions = page.locator("#compare-charts figcaption").all_inner_texts()
    assert captions == TITLES  # one chart per metric, every title different, none "undefined"
    reward = chart(page, "avg_reward")
    assert reward["labels"] == ["Episode", *map(name, runs)]
    assert reward["legend"] == ["Episode", *map(name, runs)]
    money = chart(page, "avg_cash")["ticks"][1]
    assert money and all(re.fullmatch(r"-?€[\d,]+", tick) for tick in money), money
    share = chart(page, "stability")["ticks"][1]
    assert share and all(tick.endswith("%") for tick in share), share
    episodes = chart(page, "avg_reward")["ticks"][0]
    assert episodes and all(re.fullmatch(r"[\d,]+", tick) for tick in episodes), episodes
    assert controls_outside_viewport(page, "#compare-page") == []
    dashboard.assert_accessible(f"compare, {size}")


def test_only_the_settings_that_differ(open_dashboard, runs):
    page = open_compare(open_dashboard, runs).page
    rows = page.locator("#compare-diff tbody tr")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.setting)")) == [
        "num_episodes",
        "save_interval",
        "seed",
    ]
    expect(page.locator('#compare-diff tr[data-setting="seed"] td')).to_have_text(["1", "2", "3", "1"])
    expect(page.locator('#compare-diff tr[data-setting="num_episodes"] td')).to_have_text(["12", "12", "12", "8"])
    expect(page.locator("#compare-diff thead th")).to_have_text(
        ["Setting", *(f"{SCENARIO} #{r['run_id'][-4:]}" for r in runs)]
    )


def test_smoothing_toggles_and_the_wall_time_axis(open_dashboard, server, runs):
    page = open_compare(open_dashboard, runs).page
    raw = [p["avg_reward"] for p in server.get_json(f"/api/runs/{runs[0]['run_id']}/history")["progress"]]
    page.locator("#compare-tools .smoothing input").fill("0")
    expect(page.locator("#compare-tools .smoothing output")).to_have_text("0.00")
    page.wait_for_function(
        """() => document.querySelector('#compare-charts figure[data-chart="avg_reward"]').chart.plot.data[1][0] !== null"""
    )
    assert [v for v in chart(page, "avg_reward")["data"][1] if v is not None] == pytest.approx(raw)
    page.locator("#compare-tools .smoothing input").fill("0.9")
    page.wait_for_timeout(100)
    smoothed = [v for v in chart(page, "avg_reward")["data"][1] if v is not None]
    assert smoothed[0] == pytest.approx(raw[0]) and smoothed != pytest.approx(raw)

    # A check box per run hides its line on every chart.
    page.locator(f'#compare-series input[data-series="{runs[1]["run_id"]}"]').uncheck()
    for metric in ("avg_reward", "stability"):
        assert chart(page, metric)["shown"] == [True, True, False, True, True]
    page.locator(f'#compare-series input[data-series="{runs[1]["run_id"]}"]').check()
    assert chart(page, "avg_reward")["shown"] == [True] * 5

    # Wall time along the x axis: durations, and the runs' elapsed times.
    page.locator('#compare-tools input[name="compare-x"][value="time"]').check()
    expect(page.locator("#compare-charts")).to_have_attribute("data-x", "elapsed_time")
    timed = chart(page, "avg_reward")
    assert timed["labels"][0] == "Wall time"
    assert timed["ticks"][0] and all(re.fullmatch(r"[\d.,]+s|\d+m \d+s|\d+h \d+m", t) for t in timed["ticks"][0])
    elapsed = [p["elapsed_time"] for p in server.get_json(f"/api/runs/{runs[0]['run_id']}/history")["progress"]]
    assert elapsed[-1] in timed["data"][0]  # the run's own times
    page.locator('#compare-tools input[name="compare-x"][value="episode"]').check()
    expect(page.locator("#compare-charts")).to_have_attribute("data-x", "episode")


@pytest.mark.parametrize("size", SIZES)
def test_runs_that_differ_only_by_seed_make_a_mean_and_band(open_dashboard, server, runs, size):
    dashboard = open_compare(open_dashboard, runs, size)
    page = dashboard.page
    expect(page.locator("#compare-status")).to_contain_text("differ only by their seed")
    page.locator("#compare-tools .smoothing input").fill("0")
    page.locator("#compare-group").check()
    expect(page.locator("#compare-charts")).to_have_attribute("data-grouped", "true")
    reward = chart(page, "avg_reward")
    group = f"{SCENARIO}, seeds 1, 2, 3 (mean ± standard deviation)"
    assert reward["legend"] == ["Episode", group, name(runs[3])]  # the band's edges are not in the legend
    assert reward["bands"] == [[2, 3]]
    histories = [server.get_json(f"/api/runs/{r['run_id']}/history")["progress"] for r in runs[:3]]
    at = 6  # an episode all three have
    values = [h[at - 1]["avg_reward"] for h in histories]
    i = reward["data"][0].index(at)
    mean, sd = statistics.fmean(values), statistics.pstdev(values)
    assert reward["data"][1][i] == pytest.approx(mean)
    assert (reward["data"][2][i], reward["data"][3][i]) == (pytest.approx(mean + sd), pytest.approx(mean - sd))
    expect(page.locator("#compare-series label")).to_have_text([group, name(runs[3])])
    assert controls_outside_viewport(page, "#compare-page") == []
    dashboard.assert_accessible(f"compare, grouped by seed, {size}")


def test_compare_has_an_address_and_the_back_button_returns(open_dashboard, runs):
    dashboard = open_dashboard()
    page = dashboard.page
    page.goto(f"{dashboard.url}/#/runs")
    for run in runs[:2]:
        page.locator(f'#runs-table tr[data-run="{run["run_id"]}"] input[type="checkbox"]').check()
    page.locator("#runs-compare").click()
    expect(page).to_have_url(re.compile(rf"#/compare/{runs[0]['run_id']},{runs[1]['run_id']}$"))
    expect(page.locator("#compare-charts figure.chart")).to_have_count(len(TITLES))
    page.go_back()
    expect(page.locator("#runs")).to_be_visible()
    page.go_forward()
    expect(page.locator("#compare-title")).to_have_text("Compare 2 runs")
