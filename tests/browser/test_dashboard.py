"""The dashboard in headless Chromium against a real server and real training runs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import LAPTOP, PHONE, train_to_the_end
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

LONG_RUN = 1000  # episodes: long enough to act while it runs, stopped well before its end
# HRL_DOCS_DIR=docs refreshes the screenshots of docs/dashboard.md from these tests.
DOCS_DIR = os.environ.get("HRL_DOCS_DIR")


def euro(value: float) -> str:
    return f"€{value:,.0f}"


def assert_shows(text: str, value: float, digits: int) -> None:
    """``text`` is ``value`` rounded to ``digits`` decimals (the page rounds halves up, Python to even)."""
    shown = float(text.replace("€", "").replace(",", "").removesuffix("%"))
    assert abs(shown - value) <= 0.5 * 10**-digits + 1e-9, (text, value)


def test_a_short_run_is_followed_to_completion(open_dashboard, server: LiveServer, tmp_path: Path) -> None:
    dashboard = open_dashboard()
    page = dashboard.page

    scenarios = server.get_json("/api/scenarios")["scenarios"]
    expect(page.locator(".scenario-card")).to_have_count(len(scenarios))
    torino = next(s for s in scenarios if s["name"] == "torino_single")
    card = page.locator('.scenario-card[data-scenario="torino_single"]')
    for label, value in [
        ("Income", torino["monthly_income"]),
        ("Expenses", torino["monthly_expenses"]),
        ("Margin", torino["monthly_margin"]),
    ]:
        expect(card).to_contain_text(f"{label}{euro(value)}")
    expect(page.locator('.card[data-metric="goal_adherence"] .hint')).to_contain_text("Lower is better")
    # Before the first run: a hint instead of empty chart frames.
    expect(page.locator("#live-charts .chart-hint")).to_be_visible()
    expect(page.locator("#live-charts figure.chart").first).to_be_hidden()
    expect(page).to_have_title("HRL Finance · training dashboard")
    expect(page.get_by_role("status").filter(has_text="Live")).to_have_attribute("id", "connection")  # announced
    dashboard.assert_accessible("idle")

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
    assert dashboard.card("stability").endswith("%")
    assert_shows(dashboard.card("goal_adherence"), last["goal_adherence"], 4)
    assert_shows(dashboard.card("avg_invested"), last["avg_invested"], 0)
    assert dashboard.card("avg_invested").startswith("€")
    expect(page.locator('#model-table tr[data-model="torino_single"]')).to_contain_text("40")
    expect(page).to_have_title("torino_single · completed · HRL Finance")
    expect(page.get_by_role("status").filter(has_text="completed: 40 episodes")).to_have_attribute("id", "banner")

    # The held-out evaluation at every save interval is drawn on the reward chart.
    evaluations = server.get_json("/api/models/torino_single/history")["evaluations"]
    assert [e["episode"] for e in evaluations] == [10, 20, 30, 40]
    page.wait_for_function(
        """() => document.querySelector('#live-charts figure[data-chart="reward"]').dataset.evaluations === '4'"""
    )
    reward = dashboard.chart("reward")
    assert reward["labels"] == ["Episode", "Average reward", "Average reward (raw)", "Held-out evaluation"]
    assert f"Held-out evaluation at episode 40: {evaluations[-1]['avg_reward']:.2f}" in reward["summary"]
    # Legends use the cards' labels; money axes show the euro, stability is in %.
    wealth = dashboard.chart("wealth")
    assert wealth["labels"] == ["Episode", "Liquid money", "Invested", "Liquid money (raw)", "Invested (raw)"]
    assert wealth["ticks"][1] and all(re.fullmatch(r"-?€[\d,]+", tick) for tick in wealth["ticks"][1]), wealth["ticks"]
    stability = dashboard.chart("stability")
    assert stability["ticks"][1] and all(tick.endswith("%") for tick in stability["ticks"][1]), stability["ticks"]
    assert stability["name"] == "Stability (higher is better)" and stability["summary"].startswith(
        "At episode 40: Stability"
    )
    dashboard.assert_accessible("finished run")

    page.get_by_role("button", name="Dismiss").click()  # the run panel keeps the outcome
    expect(page.locator("#banner")).to_be_hidden()
    expect(page.locator("#run-outcome")).to_contain_text("Training of torino_single completed: 40 episodes")
    page.set_viewport_size(LAPTOP)
    page.wait_for_timeout(300)  # let the charts follow the resize
    screenshot = tmp_path / "finished-run.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 20_000
    if DOCS_DIR:
        Path(DOCS_DIR, "dashboard.png").write_bytes(screenshot.read_bytes())


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
    page = second.page
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    expect(page.locator("#run-title")).to_have_text("milano_junior · running")
    expect(page.locator("#stop-button")).to_be_enabled()
    # The running run's settings, not the form's defaults; the form waits for the run to end.
    expect(page.locator("#run-settings")).to_have_text(
        "1,000 episodes · save every 20 · 2 evaluation episodes · seed 7"
    )
    for name, value in [("num_episodes", LONG_RUN), ("save_interval", 20), ("eval_episodes", 2), ("seed", 7)]:
        expect(page.locator(f'#start-form input[name="{name}"]')).to_have_value(str(value))
        expect(page.locator(f'#start-form input[name="{name}"]')).to_be_disabled()
    expect(page.locator('input[name="scenario_name"][value="milano_junior"]')).to_be_checked()
    expect(page.locator("#start-button")).to_be_disabled()
    expect(page).to_have_title(re.compile(r"^\d+\s?% · milano_junior$"))
    second.assert_accessible("running")
    # Every episode since the first is plotted, not only those after the tab opened.
    second.page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .every(f => Number(f.dataset.points) >= 30 && f.dataset.points === f.dataset.lastEpisode)""")
    assert second.episode_shown() >= 30

    second.stop()
    for tab in (first, second):
        tab.expect_banner("info", r"Training of milano_junior stopped after \d+ episodes")
        expect(tab.page.locator("#run")).to_have_attribute("data-state", "stopped")
        expect(tab.page.locator('input[name="num_episodes"]')).to_be_enabled()


def test_a_saved_models_history_is_plotted_on_a_phone(open_dashboard, server: LiveServer) -> None:
    train_to_the_end(server, "milano_senior", episodes=12, save_interval=4, seed=3)
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(PHONE)
    # The table scrolls sideways inside its box, with the Plot button in sight.
    scroller = page.locator("#models .table-scroll").bounding_box()
    plot = page.get_by_role("button", name="Plot milano_senior")
    plot.scroll_into_view_if_needed()
    button = plot.bounding_box()
    assert scroller["x"] <= button["x"] and button["x"] + button["width"] <= scroller["x"] + scroller["width"], (
        button,
        scroller,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    plot.click()
    expect(page.locator("#model-chart-title")).to_have_text("milano_senior: 12 of 12 episodes")
    page.wait_for_function("() => document.querySelector('#model-charts figure.chart')?.dataset.points === '12'")
    assert set(dashboard.chart_points("#model-charts").values()) == {12}
    assert dashboard.chart("reward", "#model-charts")["evaluations"] == 3  # at episodes 4, 8 and 12
    dashboard.assert_accessible("model plotted, phone")


def test_the_page_reconnects_after_a_server_restart(open_dashboard, server: LiveServer) -> None:
    # While the server is down, Chromium logs the refused connection attempts; a request the stopping
    # server was still answering (a long poll) is reset instead.
    dashboard = open_dashboard(
        tolerate=r"ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|WebSocket connection to .* failed"
    )
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
            const dip = i === 2346 ? -50 : 0;  // one episode between strides: thinning must keep it
            group.push({ episode: i, total_episodes: 5000, avg_reward: Math.sin(i / 50) + dip, avg_duration: 120,
                         avg_cash: 5000 + i, avg_invested: 10000 + 2 * i, stability: 0.9, goal_adherence: 0.1,
                         elapsed_time: i / 50 });
        }
        const pushMs = performance.now() - pushStart;
        await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const drawStart = performance.now();
        group.redraw();
        const reward = group.charts[0].plot.data;
        return { pushMs, drawMs: performance.now() - drawStart, plotted: box.querySelector('figure').dataset.points,
                 drawn: group.charts.map(chart => chart.plot.data[0].length),
                 lowest: Math.min(...reward[2]), lowestAt: reward[0][reward[2].indexOf(Math.min(...reward[2]))],
                 ends: [reward[0][0], reward[0][reward[0].length - 1]] };
    }""")
    assert result["plotted"] == "5000"
    assert all(0 < n <= 1201 for n in result["drawn"]), result  # thinned
    assert result["lowest"] < -49 and result["lowestAt"] == 2346, result  # the dip shows
    assert result["ends"] == [1, 5000], result
    assert result["pushMs"] < 250, result  # appending 5000 events draws nothing by itself
    assert result["drawMs"] < 250, result


def test_a_reload_shows_the_last_run_and_its_charts_can_be_explored(open_dashboard, server: LiveServer) -> None:
    train_to_the_end(server, "roma_famiglia", episodes=60, save_interval=20, seed=5)
    history = server.get_json("/api/models/roma_famiglia/history")
    dashboard = open_dashboard()
    page = dashboard.page
    page.reload()  # a page opened, or reloaded, after the run ended shows it
    expect(page.locator("#run")).to_have_attribute("data-state", "completed")
    expect(page.locator("#run-title")).to_have_text("roma_famiglia · completed")
    expect(page.locator("#progress-episode")).to_have_text("Episode 60 of 60")
    expect(page.locator("#run-settings")).to_have_text("60 episodes · save every 20 · 2 evaluation episodes · seed 5")
    expect(page.locator("#run-outcome")).to_contain_text("Training of roma_famiglia completed: 60 episodes")
    expect(page.locator("#start-button")).to_be_enabled()
    page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')].every(f => f.dataset.points === '60')
        && document.querySelector('#live-charts figure[data-chart="reward"]').dataset.evaluations === '3'""")
    assert_shows(dashboard.card("avg_reward"), history["progress"][-1]["avg_reward"], 2)

    # Hover: the episode and each series' value at the cursor, formatted like the cards.
    dashboard.hover_chart("reward", 0.5)
    page.wait_for_function("""() => document.querySelector('#live-charts figure[data-chart="reward"] .u-legend .u-value')
        .textContent.trim() !== '' && document.querySelector('#live-charts figure[data-chart="reward"] .u-legend .u-value')
        .textContent !== '--'""")
    values = dashboard.chart("reward")["values"]
    episode = int(values[0])
    assert 1 <= episode <= 60, values
    assert_shows(values[2], history["progress"][episode - 1]["avg_reward"], 2)  # the raw series
    for chart in ("wealth", "stability", "goal"):  # one cursor for all the charts
        assert dashboard.chart(chart)["values"][0] == values[0]

    # Smoothing: one slider for all charts, remembered across reloads; the raw series stays drawn.
    slider = page.locator("#live-charts .smoothing input")
    slider.fill("0.9")
    expect(page.locator("#live-charts .smoothing output")).to_have_text("0.90")
    smoothed = page.eval_on_selector('#live-charts figure[data-chart="reward"]', "f => f.chart.plot.data.slice(1, 3)")
    raw_rewards = [p["avg_reward"] for p in history["progress"]]
    assert smoothed[1] == pytest.approx(raw_rewards)
    assert smoothed[0] != pytest.approx(raw_rewards) and smoothed[0][0] == pytest.approx(raw_rewards[0])

    # Drag to zoom: every chart shows the same episode range; double-click resets them all.
    dashboard.drag_across_chart("wealth", 0.25, 0.75)
    page.wait_for_function("() => document.getElementById('live-charts').dataset.zoomed === 'true'")
    page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .every(f => f.chart.plot.scales.x.max - f.chart.plot.scales.x.min < 40)""")
    ranges = {chart: tuple(dashboard.chart(chart)["x"]) for chart in ("reward", "wealth", "stability", "goal")}
    assert len(set(ranges.values())) == 1, ranges
    low, high = ranges["wealth"]
    assert 5 < low < high < 55, ranges
    expect(page.get_by_role("button", name="Reset zoom")).to_be_visible()
    page.locator('#live-charts figure[data-chart="goal"] .u-over').dblclick()
    page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .every(f => f.chart.plot.scales.x.min === 1 && f.chart.plot.scales.x.max === 60)""")
    expect(page.get_by_role("button", name="Reset zoom")).to_be_hidden()
    dashboard.drag_across_chart("reward", 0.1, 0.4)
    page.wait_for_function("() => document.getElementById('live-charts').dataset.zoomed === 'true'")

    page.reload()
    expect(page.locator("#live-charts .smoothing input")).to_have_value("0.9")
    expect(page.locator("#run")).to_have_attribute("data-state", "completed")

    # A new run starts with clean charts, not the last run's axes.
    dashboard.start("torino_single", episodes=LONG_RUN)
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    stale = page.evaluate("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .filter(f => !f.hidden && f.chart.plot.scales.x.max !== Number(f.dataset.lastEpisode)).map(f => f.dataset.chart)""")
    assert stale == []
    dashboard.wait_for_episode(3)
    page.wait_for_function("""() => [...document.querySelectorAll('#live-charts figure.chart')]
        .every(f => !f.hidden && f.chart.plot.scales.x.max === Number(f.dataset.lastEpisode) && f.chart.plot.scales.x.max < 60)""")
    dashboard.stop()
    dashboard.expect_banner("info", r"Training of torino_single stopped after \d+ episodes")


def test_on_a_phone_start_is_in_sight_and_a_running_run_comes_first(open_dashboard) -> None:
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(PHONE)
    expect(page.locator("#start-button")).to_be_in_viewport(ratio=1)
    dashboard.assert_accessible("idle, phone")

    dashboard.start("bologna_coppia", episodes=LONG_RUN)
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    run, setup = page.locator("#run").bounding_box(), page.locator("#setup").bounding_box()
    assert run["y"] < setup["y"], (run, setup)
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator("#stop-button")).to_be_in_viewport(ratio=1)
    dashboard.wait_for_episode(40)
    page.wait_for_timeout(300)  # let the charts follow the resize
    dashboard.assert_accessible("running, phone")
    if DOCS_DIR:
        page.screenshot(path=Path(DOCS_DIR, "dashboard-phone.png"))
    dashboard.stop()
    dashboard.expect_banner("info", r"Training of bologna_coppia stopped after \d+ episodes")


def test_the_eta_follows_a_moving_rate_that_includes_evaluation_pauses(open_dashboard) -> None:
    """100 episodes a second, and a 1 s evaluation after every 100th: at episode 250 of 1000,
    750 episodes (7.5 s) and 8 evaluations (8 s) remain; the run's average rate said 13.5 s."""
    page = open_dashboard().page
    remaining = page.evaluate("""async () => {
        const { EtaEstimator } = await import('/static/js/eta.js');
        const eta = new EtaEstimator();
        eta.reset(100);
        for (let episode = 1; episode <= 250; episode++) {
            eta.add(episode, episode * 0.01 + Math.floor((episode - 1) / 100) * 1.0);
        }
        return eta.remaining(1000);
    }""")
    assert remaining == pytest.approx(15.0, abs=0.6)
