"""Errors and stops reach the dashboard as messages that say what happened and what to do:
a failed run, a rejected request, a stop before the first episode."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import PHONE
from tests.browser.scripted_trainer import FAIL_AT_EPISODE, FAILING_SCENARIO, MESSAGE, WAITING_SCENARIO
from tests.clients.harness import LiveServer
from tests.live_server import LiveServers

pytestmark = pytest.mark.browser

DANGER_RGB = "rgb(220, 38, 38)"  # --danger in dashboard.css


@pytest.fixture(scope="module")
def server(live_servers: LiveServers) -> Iterator[LiveServer]:
    with live_servers.start(scenarios=True, HRL_TRAINER_ENTRY="tests.browser.scripted_trainer:train") as live:
        yield live


def test_a_failed_run_leads_with_what_happened_and_folds_the_details(open_dashboard) -> None:
    dashboard = open_dashboard()
    page = dashboard.page
    dashboard.start(FAILING_SCENARIO, episodes=200)
    headline = rf"Training of {FAILING_SCENARIO} failed at episode {FAIL_AT_EPISODE}, and this run was not saved\. Start it again"
    dashboard.expect_banner("error", headline)
    banner = page.locator("#banner")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_be_focused()
    # The headline has no exception text or server path; the details are folded away, and there.
    message = banner.locator(".message").inner_text()
    assert MESSAGE not in message and "Error" not in message and "/" not in message, message
    details = banner.locator("details")
    assert details.get_attribute("open") is None
    expect(details.locator("pre")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator("pre")).to_have_text(re.compile(rf"^Training failed: .*{re.escape(MESSAGE)}"))

    run = page.locator("#run")
    expect(run).to_have_attribute("data-state", "error")
    expect(page.locator("#run-title")).to_have_text(f"{FAILING_SCENARIO} · failed")
    expect(page.locator("#run-outcome .message")).to_have_text(re.compile(headline))
    assert page.eval_on_selector("#progress-fill", "e => getComputedStyle(e).backgroundColor") == DANGER_RGB
    expect(page.locator("#start-button")).to_be_enabled()
    expect(page.locator("#stop-button")).to_be_disabled()
    dashboard.assert_accessible("failed run")

    # Reloaded, the page still tells what happened, with the details.
    page.reload()
    expect(run).to_have_attribute("data-state", "error")
    expect(page.locator("#run-outcome .message")).to_have_text(re.compile(headline))
    page.locator("#run-outcome summary").click()
    expect(page.locator("#run-outcome pre")).to_contain_text(MESSAGE)
    expect(page.locator("#progress-episode")).to_have_text(f"Episode {FAIL_AT_EPISODE} of 200")


def test_a_rejected_start_is_shown_where_the_person_is(open_dashboard, server: LiveServer) -> None:
    # The browser logs the 400 response itself.
    dashboard = open_dashboard(tolerate=r"status of 400")
    page = dashboard.page
    page.set_viewport_size(PHONE)
    # The form has the server's bounds (GET /api/settings) and the browser would refuse the seed itself:
    # the server's answer is what a page whose bounds are older than the server's gets.
    page.eval_on_selector("#start-form", "form => { form.noValidate = true; }")
    dashboard.start("torino_single", episodes=10, seed=2**40)
    text = dashboard.expect_banner("error", "Invalid request body")
    assert "seed:" in text
    banner = page.locator("#banner")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport(ratio=1)
    start = page.locator("#start-button").bounding_box()
    box = banner.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box
    assert abs(box["y"] - start["y"]) < PHONE["height"], (box, start)  # on the same screen as the button pressed
    expect(page.locator("#start-button")).to_be_enabled()
    dashboard.assert_accessible("rejected start, phone")
    assert server.get_json("/api/training/status")["is_training"] is False


def test_a_stop_before_the_first_episode_says_nothing_was_saved(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard()
    page = dashboard.page
    dashboard.start(WAITING_SCENARIO, episodes=50)
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    dashboard.stop()
    stop = page.locator("#stop-button")
    expect(stop).to_have_text("Stopping…")  # the trainer takes a while to wind up
    expect(stop).to_be_disabled()
    expect(page.locator("#run-title")).to_have_text(f"{WAITING_SCENARIO} · stopping")

    text = dashboard.expect_banner(
        "info", rf"Training of {WAITING_SCENARIO} stopped before its first episode ended, so nothing was saved"
    )
    assert "The model so far is saved" not in text
    expect(stop).to_have_text("Stop")
    expect(page.locator("#run")).to_have_attribute("data-state", "stopped")
    assert WAITING_SCENARIO not in [m["scenario_name"] for m in server.get_json("/api/models")["models"]]
    dashboard.assert_accessible("stopped run")
