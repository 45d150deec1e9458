"""The Simulate and Advice views as a new user meets them, on a laptop (1440x900) and a phone (390x844): they start
on a household with a published model, say what a long wait is about, draw uPlot charts that follow their box with
the model and its two strongest baselines, label every comparison, ask before deleting, show refusals beside their
fields, close success toasts by themselves, say when the server is unreachable, and keep every control on screen.

The verdict column shows the API's `verdict` (GET /api/simulations/{id}: `paired[name].verdict`) and the CSV link
GET /api/simulations/{id}/table.csv, both served by the dash-api branch."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.dashboard import SIZES, assert_controls_in_viewport, delete_after_escape, page_euros
from tests.browser.servers import server_with_untrained_model
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

MODEL = "torino_single"
# The browser logs every 4xx answer and every aborted request as a console error; these tests cause them.
REFUSED = r"status of 40[0-9]|ERR_FAILED|Failed to load resource"
VERDICT_WORDS = {"ahead": "model ahead", "level": "level", "behind": "model behind"}


@pytest.fixture(scope="module")
def server(live_servers, tmp_path_factory, tunings) -> Iterator[LiveServer]:
    with server_with_untrained_model(live_servers, tmp_path_factory, tunings, MODEL, seed=2) as live:
        yield live


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return request.param


def opened(open_dashboard, size: str, tolerate: str | None = REFUSED) -> Page:
    page = open_dashboard(tolerate=tolerate).page
    page.set_viewport_size(SIZES[size])
    return page


def mean_difference(paired: dict) -> float:
    """The number the API compares on: `mean` (the model minus the baseline), else the paired net worth."""
    return paired["mean"] if "mean" in paired else paired["real_net_worth"]["diff"]


def simulate(page: Page, households: int = 100, seed: int = 3) -> dict:
    view = page.locator("#simulate")
    view.locator('input[name="households"]').fill(str(households))
    view.locator('input[name="seed"]').fill(str(seed))
    view.locator("#simulate-run-button").click()
    expect(view).to_have_attribute("data-state", "done")
    return {"id": view.locator("#simulate-result").get_attribute("data-simulation")}


def net_worth_chart(page: Page) -> dict:
    """The uPlot of the net-worth chart: its size and its box's, series shown, y ticks (values and labels)."""
    return page.locator('#simulate-charts figure[data-chart="net-worth"]').evaluate("""figure => {
        const u = figure.chart.plot;
        return {
            uplot: u.root.classList.contains('uplot') && u.root.querySelectorAll('canvas').length === 1,
            width: u.width, height: u.height, box: figure.querySelector('.chart-plot').clientWidth,
            shown: u.series.filter((s, i) => i > 0 && s.show).map(s => s.label),
            splits: u.axes[1]._splits, ticks: u.axes[1]._values,
        };
    }""")


def round_step(values: list[float]) -> bool:
    """Ticks evenly spaced at 1, 2, 2.5 or 5 times a power of ten, each a multiple of the step."""
    step = values[1] - values[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    multiples = all(abs(v / step - round(v / step)) < 1e-6 for v in values)
    return any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5)) and multiples


def test_the_views_start_on_a_household_with_a_published_model(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    names = [s["name"] for s in server.get_json("/api/scenarios")["scenarios"]]
    assert names[0] != MODEL  # the first household in the list has no model: the default is not just the first
    for panel in ("simulate", "advice"):
        expect(page.locator(f"#{panel}-household")).to_have_value(MODEL)
        expect(page.locator(f"#{panel}-model option").first).to_have_text(f"Published model of {MODEL}")
        expect(page.locator(f"#{panel}-note")).to_be_hidden()
    page.locator("#simulate-household").select_option(names[0])
    expect(page.locator("#simulate-model option").first).to_be_disabled()
    expect(page.locator("#simulate-note")).to_contain_text(f"{names[0]} has no published model yet")
    assert_controls_in_viewport(page)


def test_simulation_charts_are_uplot_follow_their_box_and_show_the_strongest_baselines(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    # The answer held back 2.5 s: the wait says what is under way and counts the seconds.
    page.route("**/api/simulations", lambda route: held(route, 2.5))
    page.evaluate("""() => {
        window.waits = [];
        const wait = document.getElementById('simulate-wait');
        new MutationObserver(() => window.waits.push(wait.hidden ? 'hidden' : wait.textContent.replace(/\\s+/g, ' ').trim()))
            .observe(wait, { subtree: true, childList: true, characterData: true, attributes: true });
    }""")
    simulation = simulate(page)
    page.unroute("**/api/simulations")
    waits = page.evaluate("window.waits")
    assert any(re.search(r"Simulating 100 households with every policy… 1\.\ds", w) for w in waits), waits
    assert any("tunes its baselines first" in w and re.search(r" 2\.\ds$", w) for w in waits), waits
    assert waits[-1] == "hidden"

    record = server.get_json(f"/api/simulations/{simulation['id']}")
    looks = {p["name"]: p["label"] for p in server.get_json("/api/policies")["policies"]}
    strongest = sorted(record["paired"], key=lambda name: mean_difference(record["paired"][name]))[:2]
    chart = net_worth_chart(page)
    assert chart["uplot"] and page.locator("#simulate-charts svg").count() == 0
    model = looks["hrl"]
    bands = [f"{model}, {p} percentile" for p in ("95th", "5th", "75th", "25th")]
    assert chart["shown"] == [*bands, *(f"{looks[n]}, median" for n in record["policies"] if n in ("hrl", *strongest))]
    assert abs(chart["width"] - chart["box"]) <= 2, chart
    assert round_step(chart["splits"]), chart["splits"]
    assert all(re.fullmatch(r"-?€\d{1,3}(,\d{3})*", tick) for tick in chart["ticks"]), chart["ticks"]

    # the other baselines, one checkbox away (and back)
    hidden = next(name for name in record["paired"] if name not in strongest)
    toggle = page.get_by_role("checkbox", name=looks[hidden], exact=True)
    expect(toggle).not_to_be_checked()
    toggle.check()
    assert f"{looks[hidden]}, median" in net_worth_chart(page)["shown"]
    toggle.uncheck()
    assert f"{looks[hidden]}, median" not in net_worth_chart(page)["shown"]

    # hover values in the legend, in euros
    over = page.locator('#simulate-charts figure[data-chart="net-worth"] .u-over')
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    value = page.locator('#simulate-charts figure[data-chart="net-worth"] .u-legend .u-series').nth(1)
    expect(value.locator(".u-value")).to_have_text(re.compile(r"^-?€[\d,]+$"))

    # the liquid chart: the safety buffer drawn as a labelled reference line inside the y range
    liquid = page.locator('#simulate-charts figure[data-chart="liquid"]').evaluate(
        "f => [f.chart.plot.scales.y.min, f.chart.plot.scales.y.max, f.chart.plot.series.length]"
    )
    assert liquid[0] <= record["scenario"]["safety_buffer"] <= liquid[1] and liquid[2] == 4, liquid

    # the chart follows its box: a narrower window, a narrower chart
    if size == "laptop":
        page.set_viewport_size({"width": 800, "height": 900})
        page.wait_for_function("""() => {
            const f = document.querySelector('#simulate-charts figure[data-chart="net-worth"]');
            const box = f.querySelector('.chart-plot').clientWidth;
            return Math.abs(f.chart.plot.width - box) < 2 && box < 800;
        }""")
        page.set_viewport_size(SIZES[size])
    page.locator("#simulate-table").scroll_into_view_if_needed()
    assert_controls_in_viewport(page)


def held(route, seconds: float) -> None:
    """Answers the request after `seconds` (a slow first simulation)."""
    import time

    response = route.fetch(timeout=120_000)
    time.sleep(seconds)
    route.fulfill(response=response)


def test_the_table_names_its_measures_and_shows_the_verdict(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    simulation = simulate(page, households=120, seed=4)
    record = server.get_json(f"/api/simulations/{simulation['id']}")
    table = page.locator("#simulate-table")
    caption = table.locator("caption")
    expect(caption).to_contain_text("Medians and shares over 120 households")
    expect(caption).to_contain_text(
        "mean paired difference in real net worth at the end, today's € ± standard error, over 120 households"
    )
    headers = " ".join(table.locator("thead th").all_inner_texts())
    assert "Median real net worth" in headers and "mean paired difference" in headers, headers
    for name, paired in record["paired"].items():
        row = table.locator(f'tr[data-policy="{name}"]')
        worth = paired["real_net_worth"]  # the API's comparison: mean, se and the verdict of that very number
        difference, error = worth["mean"], worth["se"]
        sign = "+" if round(difference) > 0 else ""
        expect(row.locator("td.difference")).to_have_text(f"{sign}{page_euros(difference)} ± {page_euros(error)}")
        expect(row.locator("td.verdict")).to_have_text(VERDICT_WORDS[worth["verdict"]])  # the API's verdict
    expect(table.locator('tr[data-policy="hrl"] td.verdict')).to_have_text("–")
    csv = page.locator("#simulate-csv")
    expect(csv).to_have_attribute("href", f"/api/simulations/{simulation['id']}/table.csv")
    expect(csv).to_have_attribute("download", "")
    if size == "phone":  # cards: each value beside its column's name, nothing wider than the screen
        cells = table.locator('tr[data-policy="best_fixed"] td')
        assert cells.nth(1).get_attribute("data-label") == "Median net worth"
        assert cells.nth(1).evaluate("td => td.getBoundingClientRect().right") <= 390
    assert_controls_in_viewport(page)


def test_deletes_ask_first_and_success_toasts_close_by_themselves(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    body = {**server.get_json(f"/api/scenarios/{MODEL}"), "name": f"mine_{size}"}
    body = {key: value for key, value in body.items() if key not in ("read_only", "monthly_margin", "monthly_expenses")}
    assert server.post("/api/scenarios", json=body).status_code == 201, body
    page.reload()
    row = page.locator(f'#household-list tr[data-household="mine_{size}"]')
    row.locator(".household-delete").scroll_into_view_if_needed()
    assert_controls_in_viewport(page)  # Edit and Delete on screen, also on a phone
    row.locator(".household-delete").click()
    dialog = page.locator(".confirm-dialog")
    expect(dialog).to_contain_text(f"Delete the household mine_{size}?")
    expect(dialog.locator(".confirm-cancel")).to_be_focused()
    dialog.locator(".confirm-cancel").click()
    expect(dialog).to_have_count(0)
    assert server.get(f"/api/scenarios/mine_{size}").status_code == 200  # nothing deleted
    delete_after_escape(
        page, row.locator(".household-delete"), lambda: server.get(f"/api/scenarios/mine_{size}").status_code == 200
    )
    expect(row).to_have_count(0)
    assert server.get(f"/api/scenarios/mine_{size}").status_code == 404

    banner = page.locator("#banner")
    expect(banner).to_contain_text(f"Household mine_{size} deleted")
    expect(banner).to_have_attribute("data-closes", "auto")
    expect(banner).to_be_hidden(timeout=10_000)  # closed by itself

    simulation = simulate(page, households=50, seed=6)
    saved = page.locator(f'#simulation-list tr[data-simulation="{simulation["id"]}"]')
    saved.locator(".simulation-delete").scroll_into_view_if_needed()
    assert_controls_in_viewport(page)
    saved.locator(".simulation-delete").click()
    dialog.locator(".confirm-cancel").click()
    assert server.get(f"/api/simulations/{simulation['id']}").status_code == 200
    saved.locator(".simulation-delete").click()
    dialog.locator(".confirm-ok").click()
    expect(saved).to_have_count(0)
    assert server.get(f"/api/simulations/{simulation['id']}").status_code == 404


def test_an_error_toast_stays_until_dismissed(open_dashboard, server):
    page = opened(open_dashboard, "laptop")
    page.evaluate("""async () => {
        const { showBanner } = await import('/static/js/banner.js');
        showBanner('error', 'Something failed');
    }""")
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    assert banner.get_attribute("data-closes") is None
    page.wait_for_timeout(7000)  # longer than a success toast stays
    expect(banner).to_be_visible()
    page.locator("#banner-close").click()
    expect(banner).to_be_hidden()


def test_refusals_are_shown_beside_their_fields(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    view = page.locator("#simulate")
    view.locator('input[name="households"]').fill("0")
    view.locator("#simulate-run-button").click()
    households = view.locator('input[name="households"]')
    expect(households).to_have_attribute("aria-invalid", "true")
    error = view.locator("#simulate-form-error-households")
    expect(error).not_to_be_empty()
    assert households.get_attribute("aria-describedby") == "simulate-form-error-households"
    assert "Failed" not in (error.text_content() or "")
    expect(page.locator("#banner")).to_be_hidden()  # beside the field, not in a toast

    panel = page.locator("#advice")
    for name, value in (("month", "500"), ("savings", "800"), ("invested", "3000")):
        panel.locator(f'input[name="{name}"]').fill(value)
    panel.locator("#advice-ask").click()
    expect(panel.locator("#advice-form-error-month")).to_contain_text("between 0 and")
    expect(panel.locator('input[name="month"]')).to_have_attribute("aria-invalid", "true")
    panel.locator('input[name="month"]').fill("24")
    panel.locator("#advice-ask").click()
    expect(panel.locator("#advice-answer")).to_be_visible()
    expect(panel.locator('input[name="month"]')).not_to_have_attribute("aria-invalid", "true")
    assert_controls_in_viewport(page)  # the page does not widen after Advise (it was 583 px on a phone)


def test_an_unreachable_server_is_said_in_words_and_retried(open_dashboard, server, size):
    page = opened(open_dashboard, size)
    page.route("**/api/**", lambda route: route.abort())
    page.locator("#models-refresh").click()  # a read: retried until the server answers
    banner = page.locator("#banner")
    expect(banner).to_have_text(re.compile("Server unreachable, retrying…"))
    expect(banner).to_have_attribute("data-kind", "warning")
    page.locator("#simulate-run-button").click()  # a change: not sent twice, refused in words
    expect(banner).to_contain_text("Server unreachable, retrying… Try this again once it answers.")
    assert "Failed to fetch" not in page.locator("body").inner_text()
    page.unroute("**/api/**")
    expect(banner).to_contain_text("The server answers again.", timeout=15_000)
    expect(banner).to_be_hidden(timeout=15_000)


def test_a_publish_refreshes_the_pickers(open_dashboard, server):
    """(Last: it publishes a second household.) Once another household has a published model and the page hears "hrl:published", its pickers offer it."""
    import torch

    from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
    from hrl_trainer.env.simulation import OBS_DIM
    from hrl_trainer.store.run_writer import record_agents

    other = "milano_junior"
    page = opened(open_dashboard, "laptop")
    page.locator("#advice-household").select_option(other)
    expect(page.locator("#advice-model option").first).to_be_disabled()
    torch.manual_seed(1)
    meta = {"scenario_name": other, "episodes_completed": 5, "seed": 1}
    record_agents(other, Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), meta, server.models_dir)
    page.evaluate("document.dispatchEvent(new CustomEvent('hrl:published', { detail: {} }))")
    expect(page.locator("#advice-model option").first).to_be_enabled()
    expect(page.locator("#advice-model option").first).to_have_text(f"Published model of {other}")
    expect(page.locator("#advice-household")).to_have_value(other)  # the person's choice is kept
