"""The Simulate view and the Advice panel pick their model from a list (the household's published model,
or any completed or stopped run, newest first), and a page opened after a run ended reports its held-out
result in euros; headless Chromium against a real server with a real (tiny) run trained through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import page_euros, train_to_the_end
from tests.browser.servers import server_with_untrained_model
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

PUBLISHED = "torino_single"
TRAINED = "milano_junior"  # its run is simulated on PUBLISHED's household


@pytest.fixture(scope="module")
def server(live_servers, tmp_path_factory, tunings) -> Iterator[LiveServer]:
    with server_with_untrained_model(live_servers, tmp_path_factory, tunings, PUBLISHED, seed=4) as live:
        train_to_the_end(live, TRAINED, episodes=4, save_interval=2, seed=6)
        yield live


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def usable_runs(server: LiveServer) -> list[dict]:
    runs = [
        r
        for r in server.get_json("/api/runs")["runs"]
        if r["status"] in ("completed", "stopped") and r["episodes_completed"] > 0
    ]
    return sorted(runs, key=lambda r: (r["started_at"] or "", r["run_id"]), reverse=True)


def trained_run(server: LiveServer) -> dict:
    return next(r for r in usable_runs(server) if r["scenario_name"] == TRAINED)


def test_simulate_and_advice_pick_the_model_from_the_list(open_dashboard, server):
    runs = usable_runs(server)
    run = trained_run(server)
    dashboard = open_dashboard()
    page = dashboard.page
    view = page.locator("#simulate")
    view.locator("#simulate-household").select_option(PUBLISHED)
    picker = view.locator("#simulate-model")
    options = picker.locator("option")
    expect(options).to_have_count(1 + len(runs))
    expect(options.first).to_have_text(f"Published model of {PUBLISHED}")
    assert options.first.get_attribute("value") == ""
    assert [options.nth(i + 1).get_attribute("value") for i in range(len(runs))] == [r["run_id"] for r in runs]
    label = options.nth(1 + runs.index(run)).inner_text()
    assert label.startswith(f"{TRAINED}: 4 episodes, started ") and label.endswith(" (published)"), label
    assert run["started_at"][:4] in label, label  # the start time, in the page's locale
    dashboard.assert_accessible("simulate view with its model list")

    picker.select_option(run["run_id"])
    view.locator('input[name="households"]').fill("40")
    view.locator('input[name="seed"]').fill("2")
    view.locator("#simulate-run-button").click()
    expect(view).to_have_attribute("data-state", "done")
    record = server.get_json(f"/api/simulations/{view.locator('#simulate-result').get_attribute('data-simulation')}")
    assert record["scenario_name"] == PUBLISHED and record["run_id"] == run["run_id"]
    assert record["model"]["trained_on"] == TRAINED and record["households"] == 40
    expect(view.locator(f'#simulation-list tr[data-simulation="{record["id"]}"]')).to_contain_text(run["run_id"])
    dashboard.assert_accessible("simulate view after simulating a run")

    panel = page.locator("#advice")
    panel.locator("#advice-household").select_option(PUBLISHED)
    panel.locator("#advice-model").select_option(run["run_id"])
    for name, value in (("month", "6"), ("savings", "500"), ("invested", "200")):
        panel.locator(f'input[name="{name}"]').fill(value)
    panel.locator("#advice-ask").click()
    of_run = server.post(
        "/api/advice",
        json={"scenario_name": PUBLISHED, "run_id": run["run_id"], "month": 6, "savings": 500, "invested": 200},
    ).json()
    assert of_run["model"]["run_id"] == run["run_id"]
    expect(panel.locator("#advice-sentence")).to_have_text(of_run["sentence"])
    dashboard.assert_accessible("advice panel answering for a run")

    panel.locator("#advice-model").select_option("")
    panel.locator("#advice-ask").click()
    published = server.post(
        "/api/advice", json={"scenario_name": PUBLISHED, "month": 6, "savings": 500, "invested": 200}
    ).json()
    expect(panel.locator("#advice-sentence")).to_have_text(published["sentence"])


def test_the_list_follows_the_household_and_new_runs(open_dashboard, server):
    page = open_dashboard().page
    view = page.locator("#simulate")
    view.locator("#simulate-household").select_option(TRAINED)
    expect(view.locator("#simulate-model option").first).to_have_text(f"Published model of {TRAINED}")
    before = view.locator("#simulate-model option").count()
    started = server.post(
        "/api/training/start",
        json={"scenario_name": TRAINED, "num_episodes": 2, "save_interval": 2, "eval_episodes": 2, "seed": 9},
    )
    assert started.status_code == 202, started.text
    server.wait_idle(300)
    newest = usable_runs(server)[0]
    assert newest["run_id"] == started.json()["data"]["run_id"]
    view.locator("#simulate-model").focus()  # the list is read again when the picker is used
    expect(view.locator("#simulate-model option")).to_have_count(before + 1)
    assert view.locator("#simulate-model option").nth(1).get_attribute("value") == newest["run_id"]


def test_a_page_opened_after_the_run_ended_reports_the_heldout_result_in_euros(open_dashboard, server):
    status = server.status()
    assert status["is_training"] is False and status["outcome"] == "completed"
    held_out = server.get_json(f"/api/runs/{status['run_id']}")["held_out"]
    page = open_dashboard().page
    outcome = page.locator("#run-outcome")
    expect(outcome).to_contain_text("On held-out households")
    text = spaced(outcome.inner_text())
    assert f"median real net worth at the end {page_euros(held_out['median_real_net_worth'])}" in text, text
    assert f"5th percentile {page_euros(held_out['p5_real_net_worth'])}" in text, text
