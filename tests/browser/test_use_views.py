"""The Households form, the Simulate view, the Advice panel and the printable report, in headless
Chromium against a real server (with its own copy of the scenarios and a published model)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from hrl_trainer.common.money import format_euro
from tests.browser.dashboard import page_euros
from tests.browser.pdf_text import pdf_text
from tests.browser.servers import server_with_untrained_model
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

MODEL = "torino_single"
# The browser logs every 4xx answer as a console error; these tests cause them on purpose.
REFUSED = r"status of 40[0-9]"


@pytest.fixture(scope="module")
def server(live_servers, tmp_path_factory, tunings) -> Iterator[LiveServer]:
    with server_with_untrained_model(live_servers, tmp_path_factory, tunings, MODEL, seed=2) as live:
        yield live


def spaced(text: str) -> str:
    """Every kind of space as one plain space (the euro format uses no-break spaces)."""
    return re.sub(r"\s+", " ", text)


def fan_chart(view, chart: str) -> dict:
    """What a Simulate chart's uPlot draws: series labels and colours, bands, data, y-axis ticks."""
    return view.locator(f'#simulate-charts figure[data-chart="{chart}"]').evaluate("""figure => {
        const u = figure.chart.plot;
        return {
            labels: u.series.map(s => s.label),
            strokes: u.series.map((s, i) => typeof s.stroke === 'function' ? s.stroke(u, i) : s.stroke),
            bands: u.bands.map(b => b.series),
            data: u.data.map(column => Array.from(column)),
            lengths: u.data.map(column => column.length),
            ticks: u.axes.map(axis => axis._values || []),
        };
    }""")


def test_household_form_shows_server_errors_then_saves_edits_and_deletes(open_dashboard, server):
    page = open_dashboard(tolerate=REFUSED).page
    panel = page.locator("#households")
    expect(panel.locator('#household-list tr[data-household="torino_single"]')).to_contain_text("bundled")
    panel.locator("#household-source").select_option("torino_single")
    panel.locator("#household-copy").click()
    name = panel.locator('input[name="name"]')
    expect(name).to_have_value("torino_single_copy")
    expect(panel.locator('input[name="monthly_income"]')).to_have_value("1600")

    name.fill("my_flat")
    panel.locator('input[name="monthly_income"]').fill("-5")
    panel.locator('input[name="months"]').fill("5")
    panel.locator("#household-save").click()
    expect(panel.locator("#household-error-monthly_income")).to_contain_text("Must be from 100 to 1,000,000")
    expect(panel.locator("#household-error-months")).to_contain_text("12")
    expect(panel.locator('input[name="monthly_income"]')).to_have_attribute("aria-invalid", "true")
    expect(panel.locator("#household-error-fixed_expenses")).to_have_text("")
    assert not (server.scenarios_dir / "my_flat.yaml").exists()

    panel.locator('input[name="monthly_income"]').fill("2100")
    panel.locator('input[name="months"]').fill("60")
    panel.locator("#household-save").click()
    expect(page.locator("#banner")).to_contain_text("Household my_flat saved.")
    expect(panel.locator("#household-error-monthly_income")).to_have_text("")
    saved = server.get_json("/api/scenarios/my_flat")
    assert saved["monthly_income"] == 2100 and saved["months"] == 60 and saved["read_only"] is False
    expect(page.locator('.scenario-card[data-scenario="my_flat"]')).to_be_visible()  # the New run list too
    expect(page.locator("#simulate-household option[value=my_flat]")).to_have_count(1)

    row = panel.locator('#household-list tr[data-household="my_flat"]')
    row.locator(".household-edit").click()
    expect(panel.locator("#household-form-title")).to_have_text("Edit my_flat")
    panel.locator('input[name="fixed_expenses"]').fill("1100")
    panel.locator("#household-save").click()
    expect(page.locator("#banner")).to_contain_text("Household my_flat saved.")
    assert server.get_json("/api/scenarios/my_flat")["fixed_expenses"] == 1100

    row.locator(".household-delete").click()
    page.locator(".confirm-dialog .confirm-ok").click()
    expect(page.locator("#banner")).to_contain_text("Household my_flat deleted")
    expect(row).to_have_count(0)
    assert not (server.scenarios_dir / "my_flat.yaml").exists()


def test_simulate_view_charts_and_compares_the_policies(open_dashboard, server):
    dashboard = open_dashboard(tolerate=REFUSED)
    page = dashboard.page
    view = page.locator("#simulate")
    view.locator("#simulate-household").select_option(MODEL)
    view.locator('input[name="households"]').fill("200")
    view.locator('input[name="seed"]').fill("3")
    view.locator("#simulate-run-button").click()
    expect(view).to_have_attribute("data-state", "done")
    simulation_id = view.locator("#simulate-result").get_attribute("data-simulation")
    record = server.get_json(f"/api/simulations/{simulation_id}")
    assert record["households"] == 200 and record["seed"] == 3

    rows = view.locator("#simulate-table tbody tr")
    expect(rows).to_have_count(7)
    for policy, totals in ((name, p["totals"]) for name, p in record["policies"].items()):
        text = spaced(view.locator(f'#simulate-table tr[data-policy="{policy}"]').inner_text())
        assert page_euros(totals["median_real_net_worth"]) in text, (policy, text)
        assert page_euros(totals["p5_real_net_worth"]) in text, (policy, text)
    legend = spaced(view.locator("#simulate-charts .series-toggles").inner_text())
    assert "Target liquidity (2 numbers)" in legend and "Target liquidity (4 numbers)" in legend, legend
    rule_2 = record["policies"]["target_liquidity_2"]["tuned"]
    assert f"savings at {rule_2['k']:g} buffers" in spaced(
        view.locator('#simulate-table tr[data-policy="target_liquidity_2"] .policy-tuned').inner_text()
    )
    dashboard.assert_accessible("simulation shown")

    # uPlot canvases, no SVG: the trained model's two bands filled between their bounds, a median per policy
    looks = server.get_json("/api/policies")
    colour = {p["name"]: p["color"] for p in looks["policies"]}
    label = {p["name"]: p["label"] for p in looks["policies"]}
    assert view.locator("#simulate-charts svg").count() == 0
    expect(view.locator("#simulate-charts figure.chart canvas")).to_have_count(2)
    worth = record["policies"]["hrl"]["series"]["real_net_worth"]
    fan = fan_chart(view, "net-worth")
    model = label["hrl"]
    assert fan["labels"] == [
        "Year",
        f"{model}, 95th percentile",
        f"{model}, 5th percentile",
        f"{model}, 75th percentile",
        f"{model}, 25th percentile",
        *(f"{label[name]}, median" for name in record["policies"]),
    ]
    assert fan["bands"] == [[1, 2], [3, 4]]
    assert fan["lengths"] == [record["months"]] * 12
    assert fan["data"][1] == worth["p95"] and fan["data"][2] == worth["p5"] and fan["data"][5] == worth["p50"]
    assert fan["strokes"][5:] == [colour[name] for name in record["policies"]]  # one colour per policy
    assert len(set(fan["strokes"][5:])) == 7
    assert all(tick.startswith("€") or tick.startswith("-€") for tick in fan["ticks"][1]), fan["ticks"]
    liquid = fan_chart(view, "liquid")
    assert liquid["labels"] == ["Year", f"{model}, 95th percentile", f"{model}, 5th percentile", f"{model}, median"]
    assert liquid["bands"] == [[1, 2]]
    assert liquid["strokes"][3:] == [colour["hrl"]]  # the safety buffer: a reference line (test_simulate_view.py)
    # responsive: the charts follow their figure's width
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_function("""() => {
        const figure = document.querySelector('#simulate-charts figure[data-chart="net-worth"]');
        return Math.abs(figure.chart.plot.width - figure.querySelector('.chart-plot').clientWidth) < 2
            && figure.chart.plot.width < 700;
    }""")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(view.locator("#simulate-report")).to_have_attribute("href", f"/api/simulations/{simulation_id}/report")

    saved = view.locator(f'#simulation-list tr[data-simulation="{simulation_id}"]')
    expect(saved).to_contain_text(MODEL)
    assert page_euros(record["policies"]["hrl"]["totals"]["median_real_net_worth"]) in spaced(saved.inner_text())
    view.locator("#simulate-result").evaluate("node => { node.hidden = true; }")
    saved.locator(".simulation-open").click()
    expect(view.locator("#simulate-result")).to_be_visible()
    saved.locator(".simulation-delete").click()
    page.locator(".confirm-dialog .confirm-ok").click()
    expect(saved).to_have_count(0)
    expect(view.locator("#simulate-result")).to_be_hidden()
    assert not (server.models_dir / "simulations" / f"{simulation_id}.json").exists()


def test_simulate_view_names_and_colours_the_policies_as_the_server_says(open_dashboard, server):
    """The labels and colours come from GET /api/policies (here answered with a changed table), asked once."""
    record = server.post("/api/simulations", json={"scenario_name": MODEL, "households": 50, "seed": 5}).json()
    looks = server.get_json("/api/policies")
    for i, policy in enumerate(looks["policies"]):
        policy.update(label=f"Served {policy['name']}", color=f"#0{i}0{i}0{i}")
    looks["safety_buffer"] = {"label": "Served buffer", "color": "#123456"}
    asked = []
    page = open_dashboard().page
    page.route("**/api/policies", lambda route: (asked.append(route.request.url), route.fulfill(json=looks)))
    saved = page.locator(f'#simulation-list tr[data-simulation="{record["id"]}"]')
    for _ in range(2):
        saved.locator(".simulation-open").click()
        expect(page.locator("#simulate-charts .series-toggles")).to_contain_text("Served best_fixed")
    assert len(asked) == 1
    view = page.locator("#simulate")
    expect(view.locator('#simulate-table tr[data-policy="hrl"] td').first).to_contain_text("Served hrl")
    colour = {p["name"]: p["color"] for p in looks["policies"]}
    fan = fan_chart(view, "net-worth")
    assert fan["labels"][5:] == [f"Served {name}, median" for name in record["policies"]]
    assert fan["strokes"][5:] == [colour[name] for name in record["policies"]]
    liquid = view.locator('#simulate-charts figure[data-chart="liquid"] .chart-summary')
    expect(liquid).to_contain_text("Served buffer")
    swatches = view.locator("#simulate-charts .series-toggles .swatch").evaluate_all(
        "spans => spans.map(s => s.style.background)"
    )
    assert swatches[0] == "rgb(1, 1, 1)" and swatches[1] == "rgb(2, 2, 2)", swatches  # the baselines' colours


def test_simulate_view_adds_the_flat_ppo_when_asked(open_dashboard, server):
    """The published model's history says how it was trained (here: 5 episodes): its flat PPO is trained
    once, shown beside the other policies with its budget, and kept under models/baselines/flat_ppo/."""
    import json

    from hrl_trainer import TrainConfig
    from hrl_trainer.store.checkpoints import model_paths

    history_path = model_paths(MODEL, server.models_dir)["history"]
    history = json.loads(history_path.read_text())
    config = TrainConfig(MODEL, num_episodes=5, seed=1).to_dict()
    history_path.write_text(json.dumps({**history, "config": config, "episodes_completed": 5, "seed": 1}))
    dashboard = open_dashboard(tolerate=REFUSED)
    view = dashboard.page.locator("#simulate")
    view.locator("#simulate-household").select_option(MODEL)
    view.locator('input[name="households"]').fill("50")
    view.locator("#simulate-flat-ppo").check()
    view.locator("#simulate-run-button").click()
    expect(view).to_have_attribute("data-state", "done", timeout=300_000)
    flat = view.locator('#simulate-table tr[data-policy="flat_ppo"]')
    expect(flat).to_contain_text("Flat PPO")
    expect(flat.locator(".policy-tuned")).to_have_text(f"5 episodes of {MODEL}, seed 1")
    expect(view.locator("#simulate-charts .series-toggles")).to_contain_text("Flat PPO")
    assert fan_chart(view, "net-worth")["labels"][-1] == "Flat PPO, median"
    assert len(list((server.models_dir / "baselines" / "flat_ppo").glob("*.pt"))) == 1
    dashboard.assert_accessible("simulation with the flat PPO")


def test_advice_panel_answers_in_euros(open_dashboard, server):
    page = open_dashboard(tolerate=REFUSED).page
    panel = page.locator("#advice")
    panel.locator("#advice-household").select_option(MODEL)
    for name, value in (("month", "24"), ("savings", "800"), ("invested", "3000")):
        panel.locator(f'input[name="{name}"]').fill(value)
    panel.locator("#advice-ask").click()
    expected = server.post(
        "/api/advice", json={"scenario_name": MODEL, "month": 24, "savings": 800, "invested": 3000}
    ).json()
    expect(panel.locator("#advice-sentence")).to_have_text(expected["sentence"])
    invest = spaced(panel.locator('#advice-table tr[data-part="invest"]').inner_text())
    assert page_euros(expected["amounts"]["invest"]) in invest
    panel.locator('input[name="month"]').fill("500")
    panel.locator("#advice-ask").click()
    expect(panel.locator("#advice-form-error-month")).not_to_be_empty()  # beside its field


def test_report_prints_to_pdf_with_the_household_and_the_tables(server, chromium, tmp_path):
    record = server.post("/api/simulations", json={"scenario_name": MODEL, "households": 100, "seed": 8}).json()
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            f"{server.url}/api/simulations/{record['id']}/report",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = spaced(pdf_text(pdf.read_bytes()))
    flat = re.sub(r"\s", "", text)
    assert "Simulation report: torino_single" in text and "Single person in Turin" in text
    for heading in ("The household", "Policies compared on the same households", "Paired differences", "Assumptions"):
        assert heading in text, heading
    for row in ("Monthly income (net)", "Trained model", "Best fixed split", "Buffer first", "Rule of thumb", "Random"):
        assert row in text, row
    hrl = record["policies"]["hrl"]["totals"]
    assert re.sub(r"\s", "", format_euro(hrl["median_real_net_worth"])) in flat
    assert re.sub(r"\s", "", format_euro(1600)) in flat


def test_completion_banner_text_reports_the_heldout_result_in_euros(open_dashboard):
    page = open_dashboard().page
    text = page.evaluate("""async () => {
        const { heldoutText } = await import('/static/js/heldout.js');
        const rules = {
            target_liquidity_2: { tuned: { k: 3.5, spend: 0.1 }, paired: {
                reward: { diff: 1.5, stderr: 0.5 }, real_net_worth: { diff: 1234.4, stderr: 456 },
                total_spending: { diff: 0, stderr: 0 } } },
            target_liquidity_4: { tuned: { k: 3, spend_below: 0.1, spend_above: 0.3, close: 1 }, paired: {
                reward: { diff: -0.5, stderr: 0.3 }, real_net_worth: { diff: -99.6, stderr: 20 },
                total_spending: { diff: 0, stderr: 0 } } } };
        const base = { median_real_net_worth: 41234.4, p5_real_net_worth: -512, share_broke: 0.034 };
        return [heldoutText(base), heldoutText(undefined), heldoutText({ ...base, rules })];
    }""")
    # the page's one locale: the test browser's (en-US)
    assert spaced(text[0]) == (
        " On held-out households: median real net worth at the end €41,234 (today's euros; "
        "5th percentile -€512), 3.4% went broke."
    )
    assert text[1] == ""
    assert spaced(text[2]) == spaced(text[0]) + (
        " Against the tuned rules on the same households, the model is ahead of the 2-number target-liquidity rule:"
        " +€1,234 ± €456 (mean paired difference in real net worth ± standard error); behind the 4-number"
        " target-liquidity rule: -€100 ± €20 (mean paired difference in real net worth ± standard error)."
    )  # the verdict is the net worth's (the number shown), not the reward's: -€100 ± €20 is 5 standard errors
