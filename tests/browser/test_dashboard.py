"""The dashboard in headless Chromium against a real server and real training runs."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clients.harness import LiveServer

pytestmark = pytest.mark.browser

LONG_RUN = 1000  # episodes: long enough to act while it runs, stopped well before its end


def euro(value: float) -> str:
    return f"€{value:,.0f}"


def assert_shows(text: str, value: float, digits: int) -> None:
    """``text`` is ``value`` rounded to ``digits`` decimals (the page rounds halves up, Python to even)."""
    shown = float(text.replace("€", "").replace(",", "").removesuffix(" %"))
    assert abs(shown - value) <= 0.5 * 10**-digits + 1e-9, (text, value)


def test_a_short_run_is_followed_to_completion(open_dashboard, server: LiveServer, tmp_path: Path) -> None:
    dashboard = open_dashboard()
    page = dashboard.page

    scenarios = server.get_json("/api/scenarios")["scenarios"]
    expect(page.locator(".scenario-card")).to_have_count(len(scenarios))
    torino = next(s for s in scenarios if s["name"] == "torino_single")
    card = page.locator('.scenario-card[data-scenario="torino_single"]')
    for label, value in [("Income", torino["monthly_income"]), ("Expenses", torino["monthly_expenses"]),
                         ("Margin", torino["monthly_margin"])]:
        expect(card).to_contain_text(f"{label}{euro(value)}")
    expect(page.locator('.card[data-metric="goal_adherence"] .hint')).to_contain_text("Lower is better")

    dashboard.record_progress()
    dashboard.start("torino_single", episodes=40, save_interval=10)
    dashboard.expect_banner("success", r"Training of torino_single completed: 40 episodes")

    seen = dashboard.recorded_progress()
    for values in seen.values():
        assert values == sorted(values) and values[-1] == 40
        assert any(0 < v < 40 for v in values), f"no intermediate step shown: {values}"
    expect(page.locator("#run")).to_have_attribute("data-state", "completed")
    expect(page.locator("#run-title")).to_have_text("torino_single · completed")
    expect(page.locator("#progress-episode")).to_have_text("Episode 40 of 40")
    expect(page.locator("#progress-eta")).to_have_text("done")
    assert set(dashboard.chart_points().values()) == {40}

    last = server.get_json("/api/models/torino_single/history")["progress"][-1]
    assert_shows(dashboard.card("avg_reward"), last["avg_reward"], 2)
    assert_shows(dashboard.card("stability"), 100 * last["stability"], 1)
    assert dashboard.card("stability").endswith(" %")
    assert_shows(dashboard.card("goal_adherence"), last["goal_adherence"], 4)
    assert_shows(dashboard.card("avg_invested"), last["avg_invested"], 0)
    assert dashboard.card("avg_invested").startswith("€")
    expect(page.locator('#model-table tr[data-model="torino_single"]')).to_contain_text("40")

    screenshot = tmp_path / "finished-run.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 20_000
    if os.environ.get("HRL_DOCS_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["HRL_DOCS_SCREENSHOT"])


def test_a_run_can_be_stopped(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard()
    page = dashboard.page
    dashboard.start("bologna_coppia", episodes=LONG_RUN)
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    expect(page.locator("#stop-button")).to_be_enabled()
    expect(page.locator("#start-button")).to_be_disabled()
    dashboard.wait_for_episode(5)
    dashboard.stop()

    text = dashboard.expect_banner("info", r"Training of bologna_coppia stopped after \d+ episodes")
    history = server.get_json("/api/models/bologna_coppia/history")
    assert history["stopped"] is True and 5 <= history["episodes_completed"] < LONG_RUN
    assert f"stopped after {history['episodes_completed']} episodes" in text
    expect(page.locator("#run")).to_have_attribute("data-state", "stopped")
    expect(page.locator("#start-button")).to_be_enabled()
    expect(page.locator("#stop-button")).to_be_disabled()
    assert not server.get_json("/api/training/status")["is_training"]


def test_a_second_tab_catches_up_mid_run(open_dashboard, server: LiveServer) -> None:
    first = open_dashboard()
    first.start("milano_junior", episodes=LONG_RUN)
    first.wait_for_episode(30)

    second = open_dashboard()
    expect(second.page.locator("#run")).to_have_attribute("data-state", "running")
    expect(second.page.locator("#run-title")).to_have_text("milano_junior · running")
    expect(second.page.locator("#stop-button")).to_be_enabled()
    # Every episode since the first is plotted, not only those after the tab opened.
    second.page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .every(f => Number(f.dataset.points) >= 30 && f.dataset.points === f.dataset.lastEpisode)""")
    assert second.episode_shown() >= 30

    second.stop()
    for tab in (first, second):
        tab.expect_banner("info", r"Training of milano_junior stopped after \d+ episodes")
        expect(tab.page.locator("#run")).to_have_attribute("data-state", "stopped")


def test_a_saved_models_history_is_plotted(open_dashboard, server: LiveServer) -> None:
    assert server.post("/api/training/start", {"scenario_name": "milano_senior", "num_episodes": 12, "seed": 3}).status_code == 202
    server.wait_idle()
    dashboard = open_dashboard()
    page = dashboard.page
    page.locator('#model-table tr[data-model="milano_senior"] button').click()
    expect(page.locator("#model-chart-title")).to_have_text("milano_senior: 12 of 12 episodes")
    page.wait_for_function("() => document.querySelector('#model-charts figure.chart')?.dataset.points === '12'")
    assert set(dashboard.chart_points("#model-charts").values()) == {12}


def test_the_page_reconnects_after_a_server_restart(open_dashboard, server: LiveServer) -> None:
    # While the server is down, Chromium logs the refused connection attempts.
    dashboard = open_dashboard(tolerate=r"ERR_CONNECTION_REFUSED|WebSocket connection to .* failed")
    pill = dashboard.page.locator("#connection")
    server.terminate()
    expect(pill).to_have_attribute("data-state", "reconnecting")
    server.start()
    expect(pill).to_have_attribute("data-state", "connected")

    assert server.post("/api/training/start", {"scenario_name": "roma_famiglia", "num_episodes": 8}).status_code == 202
    dashboard.expect_banner("success", r"Training of roma_famiglia completed: 8 episodes")
    expect(dashboard.page.locator("#progress-episode")).to_have_text("Episode 8 of 8")


@pytest.mark.parametrize("width, height", [(375, 812), (1366, 768)])
def test_the_layout_fits_a_phone_and_a_laptop(open_dashboard, width: int, height: int) -> None:
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)  # let the charts follow the resize
    overflow = page.evaluate("""() => [document.documentElement, ...document.querySelectorAll('.panel, .chart, .card')]
        .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.id || el.className)""")
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_charts_stay_cheap_over_thousands_of_episodes(open_dashboard) -> None:
    page = open_dashboard().page
    result = page.evaluate("""async () => {
        const { ChartGroup } = await import('/static/js/charts.js');
        const box = document.createElement('div');
        box.className = 'charts';
        document.querySelector('main').append(box);
        const group = new ChartGroup(box);
        const pushStart = performance.now();
        for (let i = 1; i <= 5000; i++) {
            group.push({ episode: i, total_episodes: 5000, avg_reward: Math.sin(i / 50), avg_duration: 120,
                         avg_cash: 5000 + i, avg_invested: 10000 + 2 * i, stability: 0.9, goal_adherence: 0.1,
                         elapsed_time: i / 50 });
        }
        const pushMs = performance.now() - pushStart;
        await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const drawStart = performance.now();
        group.redraw();
        return { pushMs, drawMs: performance.now() - drawStart, plotted: box.querySelector('figure').dataset.points,
                 drawn: group.charts.map(chart => chart.plot.data[0].length) };
    }""")
    assert result["plotted"] == "5000"
    assert all(0 < n <= 1201 for n in result["drawn"]), result  # decimated
    assert result["pushMs"] < 250, result  # appending 5000 events draws nothing by itself
    assert result["drawMs"] < 250, result
