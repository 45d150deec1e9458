"""A run's page (#/runs/{run_id}) in headless Chromium, against a real server and real runs, at 1440x900 and on
a 390x844 phone: its address (shareable, the back button), its facts, its name, notes and tags, its reward chart
with the held-out levels of the run and of the tuned rules, its PPO diagnostics, publishing with an Undo, Resume
with the run's own settings, the history's CSV and Delete."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard import SIZES, controls_outside_viewport, delete_after_escape, trained_run

pytestmark = pytest.mark.browser
SCENARIO = "torino_single"


@pytest.fixture(scope="module")
def runs(server, tunings) -> list[dict]:
    """Two runs of torino_single with held-out results against its tuned rules; the second is published."""
    tunings.seed(server.models_dir, SCENARIO)
    return [
        trained_run(server, SCENARIO, episodes=10, save_interval=5, seed=1),
        trained_run(server, SCENARIO, episodes=8, save_interval=4, seed=2),
    ]


def open_run(open_dashboard, run_id: str, size: str = "laptop", tolerate: str | None = None):
    dashboard = open_dashboard(tolerate)
    page = dashboard.page
    page.set_viewport_size(SIZES[size])
    page.goto(f"{dashboard.url}/#/runs/{run_id}")
    expect(page.locator("#run-page")).to_have_attribute("data-state", "shown")
    return dashboard


def published_run(server) -> str:
    return {m["scenario_name"]: m["run_id"] for m in server.get_json("/api/models")["models"]}[SCENARIO]


@pytest.mark.parametrize("size", SIZES)
def test_a_run_has_a_page_of_its_own(open_dashboard, server, runs, size):
    dashboard = open_dashboard()
    page = dashboard.page
    page.set_viewport_size(SIZES[size])
    run = runs[0]
    page.goto(f"{dashboard.url}/#/runs")
    page.locator(f'#runs-table tr[data-run="{run["run_id"]}"] [data-action="open"]').click()
    expect(page).to_have_url(re.compile(rf"#/runs/{run['run_id']}$"))
    expect(page.locator("#home")).to_be_hidden()
    expect(page.locator("#run-page-title")).to_have_text(f"{SCENARIO} #{run['run_id'][-4:]}")
    facts = page.locator("#run-page-facts")
    expect(facts).to_contain_text("10 of 10")
    expect(facts).to_contain_text("10 episodes · save every 5 · 2 evaluation episodes · seed 1")
    expect(page.locator("#run-page-status")).to_contain_text("Completed")
    expect(page.locator("#run-page-heldout")).to_contain_text(f"Held-out reward {run['held_out']['avg_reward']:.2f}")

    # The reward chart: the evaluations every save interval, and dashed levels for the run's own held-out score
    # and each tuned rule's on the same households (the run's score minus the mean paired difference).
    page.wait_for_function(
        """() => document.querySelector('#run-page-charts figure[data-chart="reward"]')?.dataset.evaluations === '2'"""
    )
    reward = page.locator('#run-page-charts figure[data-chart="reward"]').evaluate(
        """figure => ({ labels: figure.chart.plot.series.map(s => s.label), data: figure.chart.plot.data,
                       summary: figure.querySelector('.chart-summary').textContent })"""
    )
    labels = reward["labels"]
    held_out = run["held_out"]
    levels = {
        "This run, held-out": held_out["avg_reward"],
        "Target liquidity (2 numbers), held-out": held_out["avg_reward"]
        - held_out["rules"]["target_liquidity_2"]["paired"]["reward"]["diff"],
        "Target liquidity (4 numbers), held-out": held_out["avg_reward"]
        - held_out["rules"]["target_liquidity_4"]["paired"]["reward"]["diff"],
    }
    for label, value in levels.items():
        column = reward["data"][labels.index(label)]
        assert column and all(v == pytest.approx(value) for v in column), (label, column[:3], value)
        assert label in reward["summary"]
    expect(page.locator('#run-page-charts figure[data-chart="stability"] figcaption')).to_have_text(
        "Stability (higher is better)"
    )
    assert controls_outside_viewport(page, "#run-page") == []
    dashboard.assert_accessible(f"run page, {size}")

    page.go_back()  # the back button: the list again, the run page gone
    expect(page.locator("#runs")).to_be_visible()
    expect(page.locator("#run-page")).to_be_hidden()
    page.go_forward()
    expect(page.locator("#run-page-title")).to_have_text(f"{SCENARIO} #{run['run_id'][-4:]}")
    page.reload()  # a shared address opens the page itself
    expect(page.locator("#run-page")).to_have_attribute("data-state", "shown")
    expect(page.locator("#run-page-title")).to_have_text(f"{SCENARIO} #{run['run_id'][-4:]}")


def test_an_unknown_run_says_so(open_dashboard):
    dashboard = open_dashboard(tolerate="404")
    page = dashboard.page
    page.goto(f"{dashboard.url}/#/runs/{SCENARIO}-20200101-000000-abcd")
    expect(page.locator("#run-page")).to_have_attribute("data-state", "missing")
    expect(page.locator("#run-page-status")).to_contain_text("it may have been deleted")
    page.get_by_role("link", name="← All runs").click()
    expect(page.locator("#runs")).to_be_in_viewport()


def test_name_notes_and_tags_are_saved_and_name_the_run(open_dashboard, server, runs):
    page = open_run(open_dashboard, runs[0]["run_id"], tolerate="status of 400").page  # the refused tag's answer
    form = page.locator("#run-labels")
    form.locator('input[name="name"]').fill("Seed one")
    form.locator('textarea[name="notes"]').fill("The first try.")
    form.locator('input[name="tags"]').fill("baseline, short")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#run-labels-status")).to_have_text("Saved.")
    expect(page.locator("#run-page-title")).to_have_text("Seed one")
    saved = server.get_json(f"/api/runs/{runs[0]['run_id']}")
    assert (saved["name"], saved["notes"], saved["tags"]) == ("Seed one", "The first try.", ["baseline", "short"])
    page.get_by_role("link", name="← All runs").click()
    expect(page.locator(f'#runs-table tr[data-run="{runs[0]["run_id"]}"] [data-action="open"]')).to_have_text(
        "Seed one"
    )
    # A refused tag is explained in words, next to the form.
    page.go_back()
    form.locator('input[name="tags"]').fill("no/slashes")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#run-labels-error")).to_be_visible()
    expect(page.locator("#run-labels-error")).to_contain_text("letters, digits")
    assert server.get_json(f"/api/runs/{runs[0]['run_id']}")["tags"] == ["baseline", "short"]


@pytest.mark.parametrize("size", SIZES)
def test_diagnostics_are_charted_per_agent(open_dashboard, server, runs, size):
    dashboard = open_run(open_dashboard, runs[1]["run_id"], size)
    page = dashboard.page
    history = server.get_json(f"/api/runs/{runs[1]['run_id']}/history")
    diagnostics = history["diagnostics"]
    assert set(diagnostics) == {"strategist", "executor"}
    page.locator("#run-diagnostics summary").click()
    charts = page.locator("#run-diagnostics-charts figure.chart")
    expect(charts).to_have_count(7)
    captions = charts.evaluate_all("figures => figures.map(f => f.querySelector('figcaption').textContent)")
    assert captions == [
        "Policy loss",
        "Value loss",
        "Entropy",
        "Approximate KL",
        "Clip fraction",
        "Explained variance",
        "Learning rate",
    ]
    expect(page.locator("#run-diagnostics-hint")).to_be_hidden()
    entropy = charts.nth(2).evaluate(
        "figure => ({ labels: figure.chart.plot.series.map(s => s.label), data: figure.chart.plot.data })"
    )
    assert entropy["labels"] == ["Episode", "Strategist", "Executor"]
    executor = diagnostics["executor"]
    drawn = dict(zip(entropy["data"][0], entropy["data"][2]))
    assert drawn[executor["episode"][-1]] == pytest.approx(executor["entropy"][-1])
    clip = charts.nth(4).evaluate("figure => figure.chart.plot.axes[1]._values")
    assert clip and all(tick.endswith("%") for tick in clip), clip
    assert controls_outside_viewport(page, "#run-page") == []
    dashboard.assert_accessible(f"run page with its diagnostics, {size}")


def test_the_diagnostics_charts_follow_saved_and_live_records(open_dashboard):
    """The diagnostics section from records alone: nothing, then a history's columns, then a live update."""
    page = open_dashboard().page
    result = page.evaluate("""async () => {
        const { DiagnosticsCharts } = await import('/static/js/diagnostics.js');
        const box = document.createElement('div');
        const hint = document.createElement('p');
        document.querySelector('main').append(box, hint);
        const charts = new DiagnosticsCharts(box, hint);
        const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        await frame();
        const before = { figures: box.querySelectorAll('figure').length, hint: hint.hidden };
        const columns = (episodes, base) => ({ update: episodes.map((_, i) => i + 1), episode: episodes,
            policy_loss: episodes.map(e => base - e / 100), value_loss: episodes.map(() => 1), entropy: episodes.map(() => 2),
            approx_kl: episodes.map(() => 0.01), clip_fraction: episodes.map(() => 0.1),
            explained_variance: episodes.map(() => 0.5), learning_rate: episodes.map(() => 0.001) });
        charts.reset({ strategist: columns([50, 100], 1), executor: columns([25, 50, 75, 100], 2) });
        await frame();
        charts.push({ agent: 'executor', update: 5, episode: 125, policy_loss: 0.5, value_loss: 1, entropy: 2,
                      approx_kl: 0.01, clip_fraction: 0.1, explained_variance: 0.5, learning_rate: 0.001 });
        await frame();
        const loss = box.querySelector('figure[data-chart="policy_loss"]');
        return { before, figures: box.querySelectorAll('figure').length, hint: hint.hidden,
                 data: loss.chart.plot.data, summary: loss.querySelector('.chart-summary').textContent,
                 updates: box.dataset.updates };
    }""")
    assert result["before"] == {"figures": 0, "hint": False}
    assert result["figures"] == 7 and result["hint"] is True
    assert result["data"][0] == [25, 50, 75, 100, 125]
    assert result["data"][1] == [None, 0.5, None, 0, None]  # the Strategist updated at 50 and 100 only
    assert result["data"][2] == pytest.approx([1.75, 1.5, 1.25, 1.0, 0.5])
    assert result["updates"] == "7"
    assert "Executor 0.5000 at episode 125" in result["summary"]


def test_publish_says_what_it_replaced_and_undo_puts_it_back(open_dashboard, server, runs):
    first, second = runs
    assert published_run(server) == second["run_id"]
    dashboard = open_run(open_dashboard, first["run_id"])
    page = dashboard.page
    page.evaluate("window.published = 0; document.addEventListener('hrl:published', () => window.published++)")
    page.locator('#run-page-actions [data-action="publish"]').click()
    text = dashboard.expect_banner("success", "is now the published model of torino_single")
    assert f"held-out reward {first['held_out']['avg_reward']:.2f}" in text, text
    assert (
        f"in place of torino_single #{second['run_id'][-4:]} (held-out reward {second['held_out']['avg_reward']:.2f})"
        in text
    )
    assert published_run(server) == first["run_id"]
    assert page.evaluate("window.published") == 1  # every list and picker hears of it
    expect(page.locator("#run-page-status")).to_contain_text("the published model of torino_single")
    expect(page.locator('#run-page-actions [data-action="publish"]')).to_have_count(0)
    expect(page.locator(f'#model-table tr[data-model="{SCENARIO}"]')).to_contain_text("10")  # read again
    expect(page.locator("#run-publications li").first).to_contain_text("published, by hand, in place of")

    page.locator('#banner [data-action="undo-publish"]').click()
    dashboard.expect_banner("info", f"torino_single #{second['run_id'][-4:]}.* is now the published model")
    assert published_run(server) == second["run_id"]
    assert page.evaluate("window.published") == 2
    expect(page.locator('#run-page-actions [data-action="publish"]')).to_be_visible()
    expect(page.locator("#run-publications li").first).to_contain_text("replaced by")
    publications = server.get_json(f"/api/models/{SCENARIO}/publications")["publications"]
    assert [(p["run_id"], p["reason"]) for p in publications[:2]] == [
        (second["run_id"], "undo"),
        (first["run_id"], "manual"),
    ]


def test_resume_fills_the_form_with_the_runs_settings(open_dashboard, server, runs):
    dashboard = open_run(open_dashboard, runs[0]["run_id"])
    page = dashboard.page
    page.locator('#run-page-actions [data-action="resume"]').click()
    expect(page.locator("#home")).to_be_visible()
    expect(page.locator("#resume-note")).to_contain_text(re.compile(r"Resuming .+ from episode 10"))
    for name, value in (("num_episodes", "10"), ("save_interval", "5"), ("eval_episodes", "2"), ("seed", "1")):
        expect(page.locator(f'#start-form input[name="{name}"]')).to_have_value(value)
    expect(page.locator("#start-button")).to_have_text("Resume")
    expect(page.locator("#start-button")).to_be_focused()
    page.fill('#start-form input[name="num_episodes"]', "4")
    page.fill('#start-form input[name="save_interval"]', "4")
    page.click("#start-button")
    dashboard.expect_banner("success", r"Training of torino_single completed: 14 episodes")
    resumed = server.get_json("/api/runs?limit=1")["runs"][0]
    assert (resumed["parent"], resumed["seed"], resumed["episodes_completed"]) == (runs[0]["run_id"], 1, 14)
    expect(page.locator("#resume-note")).to_be_hidden()
    # Its page names its parent, linked.
    page.goto(f"{dashboard.url}/#/runs/{resumed['run_id']}")
    expect(page.locator('#run-page-facts [data-action="parent"]')).to_have_attribute(
        "href", f"#/runs/{runs[0]['run_id']}"
    )


def test_the_history_downloads_as_csv(open_dashboard, server, runs, tmp_path):
    page = open_run(open_dashboard, runs[1]["run_id"]).page
    with page.expect_download() as download:
        page.locator('#run-page-actions [data-action="csv"]').click()
    path = tmp_path / "history.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    progress = server.get_json(f"/api/runs/{runs[1]['run_id']}/history")["progress"]
    assert [int(r["episode"]) for r in rows] == [p["episode"] for p in progress]
    assert float(rows[-1]["avg_reward"]) == pytest.approx(progress[-1]["avg_reward"])


def test_delete_asks_first_then_returns_to_the_list(open_dashboard, server):
    doomed = trained_run(server, SCENARIO, episodes=2, save_interval=2, seed=9)
    page = open_run(open_dashboard, doomed["run_id"]).page
    delete = page.locator('#run-page-actions [data-action="delete"]')
    delete_after_escape(page, delete, lambda: server.get(f"/api/runs/{doomed['run_id']}").status_code == 200)
    expect(page).to_have_url(re.compile(r"#/runs$"))
    expect(page.locator(f'#runs-table tr[data-run="{doomed["run_id"]}"]')).to_have_count(0)
    assert server.get(f"/api/runs/{doomed['run_id']}").status_code == 404
