"""The screenshots of docs/dashboard.md's run page and comparison, taken from a live server with three runs of
torino_single that differ only by seed: `HRL_DOCS_DIR=docs .venv/bin/python -m pytest tests/browser/test_screenshots.py`
(skipped without HRL_DOCS_DIR; docs/testing.md lists the commands that refresh every screenshot)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.dashboard import LAPTOP, trained_run

DOCS_DIR = os.environ.get("HRL_DOCS_DIR")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not DOCS_DIR, reason="HRL_DOCS_DIR=docs refreshes the screenshots"),
]
SCENARIO = "torino_single"
EPISODES = 300


@pytest.fixture(scope="module")
def runs(server, tunings) -> list[dict]:
    tunings.seed(server.models_dir, SCENARIO)
    made = [trained_run(server, SCENARIO, episodes=EPISODES, save_interval=50, seed=seed) for seed in (1, 2, 3)]
    for run, seed in zip(made, (1, 2, 3)):
        labels = {"name": f"Default settings, seed {seed}", "tags": ["defaults"], "notes": "For the documentation."}
        assert requests.patch(f"{server.url}/api/runs/{run['run_id']}", json=labels, timeout=30).status_code == 200
    return made


def shown(open_dashboard, address: str, page_id: str):
    """A tab at 1440x900 on `address`, once its page (`page_id`) is shown."""
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(LAPTOP)
    page.goto(f"{dashboard.url}/{address}")
    expect(page.locator(f"#{page_id}")).to_have_attribute("data-state", "shown")
    return page


def test_the_run_page(open_dashboard, runs):
    page = shown(open_dashboard, f"#/runs/{runs[0]['run_id']}", "run-page")
    page.locator("#run-diagnostics summary").click()
    expect(page.locator("#run-diagnostics-charts figure.chart")).to_have_count(7)
    page.wait_for_timeout(500)  # let the charts follow their boxes
    page.screenshot(path=Path(DOCS_DIR, "run-page.png"), full_page=True)


def test_the_comparison(open_dashboard, runs):
    page = shown(open_dashboard, f"#/compare/{','.join(run['run_id'] for run in runs)}", "compare-page")
    page.locator("#compare-tools .smoothing input").fill("0.8")
    page.locator("#compare-tools .smoothing input").blur()
    page.wait_for_timeout(500)
    page.screenshot(path=Path(DOCS_DIR, "compare.png"), full_page=True)
