"""The dashboard's runs table in headless Chromium, against a real server and real runs: each action
(Publish, Resume, Download, Delete after a confirmation, comparing runs' curves with the settings that differ)."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from tests.clients.harness import LiveServer
from tests.hrl_api.runs import complete_run
from tests.live_server import EventRecorder

pytestmark = pytest.mark.browser
SCENARIO = "torino_single"


@pytest.fixture(scope="module")
def two_runs(server: LiveServer) -> list[str]:
    """Two finished runs of the scenario, oldest first (the second is published)."""
    recorder = EventRecorder(server.url)
    ids = [
        complete_run(server, recorder, num_episodes=n, save_interval=n, seed=s)["run_id"] for n, s in ((6, 1), (8, 2))
    ]
    recorder.close()
    return ids


def row(page, run_id: str):
    return page.locator(f'#runs-table tr[data-run="{run_id}"]')


def test_the_table_lists_every_run_with_its_figures(open_dashboard, server, two_runs):
    page = open_dashboard().page
    first, second = two_runs
    expect(row(page, second)).to_have_attribute("data-published", "true")
    expect(row(page, first)).to_have_attribute("data-published", "false")
    expect(row(page, second)).to_contain_text("completed")
    expect(row(page, second).locator('td[data-label="Episodes"]')).to_have_text("8")
    summary = server.get_json(f"/api/runs/{second}")
    expect(row(page, second).locator('td[data-label="Held-out reward"]')).to_contain_text(
        f"{summary['held_out']['avg_reward']:.2f}"
    )
    expect(row(page, second)).to_contain_text("published")
    assert row(page, second).locator('[data-action="publish"]').count() == 0  # already published


def test_publish_moves_the_published_mark(open_dashboard, server, two_runs):
    page = open_dashboard().page
    first, second = two_runs
    row(page, first).locator('[data-action="publish"]').click()
    expect(row(page, first)).to_have_attribute("data-published", "true")
    expect(row(page, second)).to_have_attribute("data-published", "false")
    assert {m["scenario_name"]: m["run_id"] for m in server.get_json("/api/models")["models"]}[SCENARIO] == first
    row(page, second).locator('[data-action="publish"]').click()
    expect(row(page, second)).to_have_attribute("data-published", "true")


def test_download_gives_the_runs_archive(open_dashboard, two_runs, tmp_path):
    page = open_dashboard().page
    with page.expect_download() as download:
        row(page, two_runs[0]).locator('[data-action="download"]').click()
    path = tmp_path / "run.zip"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"{two_runs[0]}.zip"
    names = {name.split("/")[-1] for name in zipfile.ZipFile(path).namelist()}
    assert {"high_agent.pt", "low_agent.pt", "config.json", "history.json", "run.json"} <= names


def test_two_runs_compared_with_the_settings_that_differ(open_dashboard, two_runs):
    page = open_dashboard().page
    for run_id in two_runs:
        row(page, run_id).locator('input[type="checkbox"]').check()
    expect(page.locator("#runs-compare")).to_have_text("Compare 2 runs")
    page.click("#runs-compare")
    charts = page.locator("#compare-charts figure.chart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 4
    assert set(charts.evaluate_all("figures => figures.map(f => f.dataset.series)")) == {"2"}
    captions = charts.evaluate_all("figures => figures.map(f => f.querySelector('figcaption').textContent)")
    assert captions == [
        "Average reward",
        "Liquid money",
        "Invested",
        "Stability (higher is better)",
        "Goal distance (lower is better)",
    ]
    wealth = page.locator('#compare-charts figure[data-chart="avg_cash"]').evaluate(
        "figure => ({ ticks: figure.chart.plot.axes[1]._values, width: figure.chart.plot.width,"
        " area: figure.querySelector('.chart-plot').clientWidth })"
    )
    assert wealth["ticks"] and all("€" in tick for tick in wealth["ticks"]), wealth  # the page's money format
    assert abs(wealth["width"] - wealth["area"]) < 2, wealth  # as wide as its figure
    # Only what differs: the episodes, the save interval and the seed, a column per run.
    expect(page.locator("#compare-diff tbody tr")).to_have_count(3)
    expect(page.locator('#compare-diff tr[data-setting="seed"] td')).to_have_text(["1", "2"])


def test_resume_starts_a_run_that_continues_the_count(open_dashboard, server, two_runs):
    dashboard = open_dashboard()
    page = dashboard.page
    row(page, two_runs[1]).locator('[data-action="resume"]').click()
    expect(page.locator("#resume-note")).to_contain_text("from episode 8")
    expect(page.locator('#start-form input[name="seed"]')).to_have_value("2")  # the parent's, not the form's
    page.fill('input[name="num_episodes"]', "4")
    page.fill('input[name="save_interval"]', "4")
    page.click("#start-button")
    dashboard.expect_banner("success", r"Training of torino_single completed: 12 episodes")
    resumed = server.get_json("/api/runs?limit=1")["runs"][0]
    assert resumed["parent"] == two_runs[1] and resumed["episodes_completed"] == 12
    expect(row(page, resumed["run_id"])).to_have_attribute("data-published", "true")


def test_delete_asks_first_and_removes_the_run(open_dashboard, server, two_runs):
    page = open_dashboard().page
    doomed = two_runs[0]
    dialog = page.locator(".confirm-dialog")
    row(page, doomed).locator('[data-action="delete"]').click()
    dialog.locator(".confirm-cancel").click()
    expect(dialog).to_have_count(0)
    assert server.get(f"/api/runs/{doomed}").status_code == 200
    row(page, doomed).locator('[data-action="delete"]').click()
    expect(dialog).to_contain_text(doomed)
    dialog.locator(".confirm-ok").click()
    expect(row(page, doomed)).to_have_count(0)
    assert server.get(f"/api/runs/{doomed}").status_code == 404
