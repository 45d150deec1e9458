"""Errors reach the dashboard as banners: a failed run and a rejected request."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser.failing_trainer import MESSAGE
from clients.harness import LiveServer, running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"HRL_TRAINER_ENTRY": "failing_trainer:train", "PYTHONPATH": str(Path(__file__).parent)}
    with running_server(tmp_path_factory, env) as live:
        yield live


def test_a_failed_run_shows_an_error_banner(open_dashboard) -> None:
    dashboard = open_dashboard()
    dashboard.start("bologna_coppia", episodes=200)
    text = dashboard.expect_banner("error", "Training failed")
    assert MESSAGE in text
    expect(dashboard.page.locator("#banner")).to_have_attribute("role", "alert")
    expect(dashboard.page.locator("#run")).to_have_attribute("data-state", "error")
    expect(dashboard.page.locator("#start-button")).to_be_enabled()
    expect(dashboard.page.locator("#stop-button")).to_be_disabled()


def test_a_rejected_start_shows_the_servers_reasons(open_dashboard, server: LiveServer) -> None:
    # The browser logs the 400 response itself.
    dashboard = open_dashboard(tolerate=r"status of 400")
    dashboard.start("bologna_coppia", episodes=10, seed=2**40)
    text = dashboard.expect_banner("error", "Invalid request body")
    assert "seed:" in text
    expect(dashboard.page.locator("#start-button")).to_be_enabled()
    assert server.get_json("/api/training/status")["is_training"] is False
