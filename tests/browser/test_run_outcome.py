"""The run panel while a run trains and when it ends, in headless Chromium against a real server: what the ETA
says at the start and while the run evaluates, the New run form's publish choice, and the end-of-run publication
(which run it replaced, with both held-out scores, and an Undo)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import trained_run

pytestmark = pytest.mark.browser
SCENARIO = "milano_senior"


def test_the_eta_says_what_the_run_is_doing(open_dashboard):
    """At episode 0 "Starting…", while evaluating "Evaluating on held-out households…", never "ETA 0.0s"."""
    page = open_dashboard().page
    shown = page.evaluate("""async () => {
        const { RunView } = await import('/static/js/runview.js');
        const view = new RunView();
        const read = () => {
            view.draw();
            const label = document.getElementById('progress-eta-label');
            return `${label.hidden ? '' : label.textContent}${document.getElementById('progress-eta').textContent}`;
        };
        const row = (episode, elapsed, phase, phase_detail = null) => ({ episode, total_episodes: 100, elapsed_time: elapsed,
            avg_reward: 1, avg_duration: 120, avg_cash: 1, avg_invested: 1, stability: 1, goal_adherence: 0, phase, phase_detail });
        view.start('milano_senior', 100, { num_episodes: 100, save_interval: 50, eval_episodes: 2, seed: 1 });
        const texts = [read()];
        view.update(row(25, 5, 'training'));
        texts.push(read());
        view.update(row(50, 10, 'evaluating', { households: 2, purpose: 'checkpoint' }));
        texts.push(read());
        view.update(row(75, 15, 'training'));
        texts.push(read());
        view.update(row(100, 20, 'evaluating', { households: 200, purpose: 'held_out' }));
        texts.push(read());
        view.update(row(100, 20, 'saving'));  // the same episode, a new phase
        texts.push(read());
        view.setState('completed');
        texts.push(read());
        return texts;
    }""")
    assert shown == [
        "Starting…",
        "ETA 15s",
        "ETA 10s",  # the evaluation every save interval: brief, and counted in the rate
        "ETA 5.0s",
        "Evaluating on held-out households…",
        "Saving the model…",
        "ETA done",
    ]


def test_a_run_not_published_says_so_and_the_eta_follows_its_phases(open_dashboard, server):
    dashboard = open_dashboard()
    page = dashboard.page
    page.evaluate("""() => {
        window.etas = [];
        const eta = document.getElementById('progress-eta');
        new MutationObserver(() => window.etas.push(eta.textContent)).observe(eta, { childList: true, characterData: true, subtree: true });
    }""")
    page.locator('#start-form select[name="publish"]').select_option("manual")
    with page.expect_request(lambda request: request.url.endswith("/api/training/start")) as started:
        dashboard.start(SCENARIO, episodes=40, save_interval=20)
    assert started.value.post_data_json["publish"] == "manual"
    dashboard.expect_banner("success", r"Training of milano_senior completed: 40 episodes")
    expect(page.locator("#run-outcome")).to_contain_text("It was not published")
    assert SCENARIO not in {m["scenario_name"] for m in server.get_json("/api/models")["models"]}
    # The live diagnostics of the run, one chart each, a line per agent.
    page.locator("#live-diagnostics summary").click()
    expect(page.locator("#live-diagnostics-charts figure.chart")).to_have_count(7)
    assert int(page.locator("#live-diagnostics-charts").get_attribute("data-updates")) > 0
    etas = page.evaluate("window.etas")
    assert etas[0] == "Starting…", etas
    assert "Evaluating on held-out households…" in etas, etas
    assert "0.0s" not in etas, etas


def test_the_end_of_a_run_says_what_it_replaced_with_an_undo(open_dashboard, server):
    before = trained_run(server, SCENARIO, episodes=4, save_interval=4, seed=1)
    dashboard = open_dashboard()
    page = dashboard.page
    page.evaluate("window.published = 0; document.addEventListener('hrl:published', () => window.published++)")
    dashboard.start(SCENARIO, episodes=6, save_interval=6, seed=2)
    text = dashboard.expect_banner("success", r"completed: 6 episodes.* is now the published model of milano_senior")
    run = server.get_json("/api/runs?limit=1")["runs"][0]
    assert f"held-out reward {run['held_out']['avg_reward']:.2f}" in text, text
    assert (
        f"in place of {SCENARIO} #{before['run_id'][-4:]} (held-out reward {before['held_out']['avg_reward']:.2f})"
        in text
    )
    expect(page.locator("#run-outcome")).to_contain_text("is now the published model")
    assert page.evaluate("window.published") >= 1
    page.locator('#banner [data-action="undo-publish"]').click()
    dashboard.expect_banner("info", rf"{SCENARIO} #{before['run_id'][-4:]} .* is now the published model")
    published = {m["scenario_name"]: m["run_id"] for m in server.get_json("/api/models")["models"]}
    assert published[SCENARIO] == before["run_id"]
    expect(page.locator(f'#runs-table tr[data-run="{before["run_id"]}"]')).to_have_attribute("data-published", "true")
