"""One locale for the whole page: an Italian browser sees Italian numbers everywhere
(cards, chart ticks, hover values, the models table, the scenario cards)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import chromium_context
from tests.browser.dashboard import train_to_the_end
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

# Italian: 30.757 € and 3200 € (grouping from five digits; the space is a no-break space)
EURO = r"-?(\d{1,4}|\d{1,3}(\.\d{3})+)\s€"
DECIMAL = r"-?\d+,\d+"


@pytest.fixture(scope="module")
def browser_context(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium_context(chromium, tmp_path_factory, locale="it-IT") as context:
        yield context


def test_an_italian_browser_sees_italian_numbers_everywhere(open_dashboard, server: LiveServer) -> None:
    train_to_the_end(server, "bologna_coppia", episodes=30, save_interval=10, seed=4)
    dashboard = open_dashboard()
    page = dashboard.page
    assert page.evaluate("navigator.language") == "it-IT"
    expect(page.locator("#run")).to_have_attribute("data-state", "completed")
    page.wait_for_function("() => document.querySelector('#live-charts figure.chart').dataset.points === '30'")

    expect(page.locator('.scenario-card[data-scenario="bologna_coppia"] dd').first).to_have_text(
        re.compile(f"^{EURO}$")
    )
    assert re.fullmatch(EURO, dashboard.card("avg_invested")), dashboard.card("avg_invested")
    assert re.fullmatch(DECIMAL, dashboard.card("avg_reward")), dashboard.card("avg_reward")
    assert re.fullmatch(r"\d+,\d%", dashboard.card("stability")), dashboard.card("stability")

    wealth = dashboard.chart("wealth")
    assert all(re.fullmatch(EURO, tick) for tick in wealth["ticks"][1]), wealth["ticks"]
    stability = dashboard.chart("stability")
    assert all(re.fullmatch(r"\d+(,\d+)?%", tick) for tick in stability["ticks"][1]), stability["ticks"]
    goal = dashboard.chart("goal")
    assert all(re.fullmatch(DECIMAL, tick) for tick in goal["ticks"][1]), goal["ticks"]

    dashboard.hover_chart("wealth", 0.5)
    page.wait_for_function(
        """() => /€/.test(document.querySelectorAll('#live-charts figure[data-chart="wealth"] .u-legend .u-value')[1].textContent)"""
    )
    values = dashboard.chart("wealth")["values"]
    assert all(re.fullmatch(EURO, value) for value in values[1:]), values

    row = page.locator('#model-table tr[data-model="bologna_coppia"] td')
    expect(row.nth(3)).to_have_text(re.compile(f"^{DECIMAL}$"))  # average reward
    expect(row.nth(4)).to_have_text(re.compile(r"^\d+,\d%$"))  # stability
