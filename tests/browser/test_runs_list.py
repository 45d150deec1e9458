"""The Runs list in headless Chromium against a real server and real runs, at 1440x900 and on a 390x844 phone:
full width with every column and action in sight (a card per run on the phone), sorted by its headings,
filtered by scenario, status, a search and a tag, runs named by their names, the held-out reward with its
measure and the API's verdicts."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.dashboard import SIZES, controls_outside_viewport, trained_run

pytestmark = pytest.mark.browser
VERDICT_WORDS = {"ahead": "ahead of", "level": "level with", "behind": "behind"}


@pytest.fixture(scope="module")
def runs(server, tunings) -> list[dict]:
    """Three runs of torino_single (held-out results against its tuned rules) and one of milano_senior, oldest
    first; the second is named and tagged."""
    tunings.seed(server.models_dir, "torino_single")
    made = [
        trained_run(server, "torino_single", episodes=6, save_interval=6, seed=1),
        trained_run(server, "torino_single", episodes=8, save_interval=4, seed=2),
        trained_run(server, "milano_senior", episodes=4, save_interval=4, seed=3),
        trained_run(server, "torino_single", episodes=10, save_interval=5, seed=4),
    ]
    made[1] = label(server, made[1]["run_id"], name="Baseline lr", tags=["sweep", "keep"])
    return made


def label(server, run_id: str, **labels) -> dict:
    """PATCH /api/runs/{run_id} with `labels`; the labelled run."""
    response = requests.patch(f"{server.url}/api/runs/{run_id}", json=labels, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def open_runs(open_dashboard, size: str):
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(SIZES[size])
    page.goto(f"{dashboard.url}/#/runs")
    expect(page.locator("#runs-table tbody tr[data-run]").first).to_be_visible()
    return dashboard


def row(page, run_id: str):
    return page.locator(f'#runs-table tr[data-run="{run_id}"]')


def shown_ids(page) -> list[str]:
    return page.locator("#runs-table tbody tr[data-run]").evaluate_all("rows => rows.map(r => r.dataset.run)")


@pytest.mark.parametrize("size", SIZES)
def test_every_column_and_action_is_in_sight(open_dashboard, runs, size):
    dashboard = open_runs(open_dashboard, size)
    page = dashboard.page
    expect(page.locator("#runs-table tbody tr[data-run]")).to_have_count(len(runs))
    assert controls_outside_viewport(page, "#runs") == []
    newest = row(page, runs[-1]["run_id"])
    newest.scroll_into_view_if_needed()
    for action in ("resume", "download", "delete"):
        expect(newest.locator(f'[data-action="{action}"]')).to_be_in_viewport()
    if size == "laptop":
        # Full width, and the table needs no sideways scrolling: every column shows.
        panel, main = page.locator("#runs").bounding_box(), page.locator("#home").bounding_box()
        assert panel["width"] > 0.9 * main["width"], (panel, main)
        scroller = page.locator("#runs .table-scroll")
        assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth"), "the runs table scrolls sideways"
        headings = page.locator("#runs-table thead th").all_inner_texts()
        for heading in ("Run", "Scenario", "Status", "Episodes", "Seed", "Started", "Duration", "Final reward"):
            assert any(h.startswith(heading) for h in headings), headings
    else:
        # A card per run: its values under their labels, the headings hidden.
        assert newest.evaluate("tr => getComputedStyle(tr).display") == "grid"
        expect(newest.locator('td[data-label="Held-out reward"]')).to_be_visible()
        expect(page.locator("#runs-table thead")).not_to_be_in_viewport()
    dashboard.assert_accessible(f"runs list, {size}")


def test_runs_are_named_by_their_names_else_a_short_id(open_dashboard, runs):
    page = open_runs(open_dashboard, "laptop").page
    named, plain = runs[1], runs[0]
    expect(row(page, named["run_id"]).locator('[data-action="open"]')).to_have_text("Baseline lr")
    expect(row(page, plain["run_id"]).locator('[data-action="open"]')).to_have_text(
        f"torino_single #{plain['run_id'][-4:]}"
    )
    expect(row(page, named["run_id"]).locator("button.tag")).to_have_text(["sweep", "keep"])
    expect(row(page, named["run_id"]).locator('input[type="checkbox"]')).to_have_attribute(
        "aria-label", "Compare Baseline lr"
    )


def test_the_heldout_column_gives_the_measure_and_the_apis_verdicts(open_dashboard, server, runs):
    page = open_runs(open_dashboard, "laptop").page
    run = server.get_json(f"/api/runs/{runs[-1]['run_id']}")
    held_out = run["held_out"]
    cell = row(page, run["run_id"]).locator("td.run-heldout")
    expect(cell).to_contain_text(f"{held_out['avg_reward']:.2f}")
    expected = []
    for rule, words in (("target_liquidity_2", "the 2-number rule"), ("target_liquidity_4", "the 4-number rule")):
        paired = held_out["rules"][rule]["paired"]["reward"]
        assert paired["verdict"] in ("ahead", "level", "behind"), paired  # the API's verdict
        expected.append(f"{VERDICT_WORDS[paired['verdict']]} {words}")
    expect(cell.locator(".verdicts")).to_have_text(" · ".join(expected))
    # The measure and its statistic are said once, under the table.
    expect(page.locator("#runs-heldout-note")).to_contain_text("mean paired difference in that reward")


def test_headings_sort_the_list(open_dashboard, runs):
    page = open_runs(open_dashboard, "laptop").page
    newest_first = [r["run_id"] for r in reversed(runs)]
    assert shown_ids(page) == newest_first
    expect(page.locator('#runs-table th[data-sort="started_at"]')).to_have_attribute("aria-sort", "descending")
    episodes = page.locator('#runs-table th[data-sort="episodes"] button')
    with page.expect_request(re.compile(r"/api/runs\?.*sort=episodes&order=desc")):
        episodes.click()
    by_episodes = [r["run_id"] for r in sorted(runs, key=lambda r: -r["episodes_completed"])]
    expect(page.locator("#runs-table tbody tr[data-run]").first).to_have_attribute("data-run", by_episodes[0])
    assert shown_ids(page) == by_episodes
    expect(page.locator('#runs-table th[data-sort="episodes"]')).to_have_attribute("aria-sort", "descending")
    episodes.click()  # again: the other way
    expect(page.locator("#runs-table tbody tr[data-run]").first).to_have_attribute("data-run", by_episodes[-1])
    expect(page.locator('#runs-table th[data-sort="episodes"]')).to_have_attribute("aria-sort", "ascending")
    expect(page.locator('#runs-filter select[name="sort"]')).to_have_value("episodes:asc")


def test_sort_by_on_a_phone(open_dashboard, runs):
    page = open_runs(open_dashboard, "phone").page
    page.locator('#runs-filter select[name="sort"]').select_option("final_reward:desc")
    ordered = [r["run_id"] for r in sorted(runs, key=lambda r: -r["final_metrics"]["avg_reward"])]
    expect(page.locator("#runs-table tbody tr[data-run]").first).to_have_attribute("data-run", ordered[0])
    assert shown_ids(page) == ordered


@pytest.mark.parametrize("size", SIZES)
def test_filters_by_scenario_status_search_and_tag(open_dashboard, runs, size):
    page = open_runs(open_dashboard, size).page
    rows = page.locator("#runs-table tbody tr[data-run]")
    page.locator('#runs-filter select[name="scenario_name"]').select_option("milano_senior")
    expect(rows).to_have_count(1)
    assert shown_ids(page) == [runs[2]["run_id"]]
    page.locator('#runs-filter select[name="scenario_name"]').select_option("")
    page.locator('#runs-filter select[name="status"]').select_option("failed")
    expect(page.locator("#runs-table tbody")).to_contain_text("No run matches these filters.")
    page.locator('#runs-filter select[name="status"]').select_option("completed")
    expect(rows).to_have_count(len(runs))
    page.locator('#runs-filter input[name="q"]').fill("baseline")
    expect(rows).to_have_count(1)
    assert shown_ids(page) == [runs[1]["run_id"]]
    page.locator('#runs-filter input[name="q"]').fill("")
    expect(rows).to_have_count(len(runs))
    row(page, runs[1]["run_id"]).locator('button.tag[data-tag="sweep"]').click()
    expect(page.locator("#runs-tag-filter")).to_contain_text("sweep")
    expect(rows).to_have_count(1)
    assert controls_outside_viewport(page, "#runs") == []
    page.locator("#runs-tag-clear").click()
    expect(rows).to_have_count(len(runs))


def test_compare_takes_two_to_eight_runs(open_dashboard, runs):
    page = open_runs(open_dashboard, "laptop").page
    compare = page.locator("#runs-compare")
    expect(compare).to_be_disabled()
    row(page, runs[0]["run_id"]).locator('input[type="checkbox"]').check()
    expect(compare).to_be_disabled()  # one run is not a comparison: its page is
    row(page, runs[1]["run_id"]).locator('input[type="checkbox"]').check()
    expect(compare).to_have_text("Compare 2 runs")
    compare.click()
    expect(page).to_have_url(re.compile(rf"#/compare/{runs[0]['run_id']},{runs[1]['run_id']}$"))
    expect(page.locator("#compare-page")).to_be_visible()
    page.go_back()
    expect(page.locator("#runs")).to_be_visible()
    expect(page.locator("#compare-page")).to_be_hidden()
