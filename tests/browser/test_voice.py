"""One voice, in Chromium: the page's formatter writes the golden table (tests/hrl_trainer/common/formats.json) as the server
does; an Italian browser reads Italian amounts in the advice sentence (written by the server) and in the table under
it (written by the page), and an Italian report; the page writes every date one way; the report fits a phone and
prints on A4 with no near-blank page."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from hrl_trainer.common.money import format_datetime, format_euro, format_share
from tests.browser.conftest import CHROMIUM_ARGS, chromium_context
from tests.browser.pdf_text import streams
from tests.browser.servers import server_with_untrained_model
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

MODEL = "torino_single"
GOLDEN = json.loads((Path(__file__).parents[1] / "hrl_trainer" / "common" / "formats.json").read_text())
ITALIAN_DATE = r"\d{1,2} (gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic) \d{4}, \d{2}:\d{2}"


@pytest.fixture(scope="module")
def server(live_servers, tmp_path_factory, tunings) -> Iterator[LiveServer]:
    with server_with_untrained_model(live_servers, tmp_path_factory, tunings, MODEL, seed=2) as live:
        yield live


@pytest.fixture(scope="module")
def browser_context(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium_context(chromium, tmp_path_factory, locale="it-IT") as context:
        yield context


def test_the_page_formatter_writes_the_golden_table_in_chromium(open_dashboard):
    page = open_dashboard().page
    written = page.evaluate(
        """async golden => {
        const f = await import('/static/js/format.js');
        const call = {
            euro: (a) => f.formatEuro(...a), number: (a) => f.formatNumber(...a), percent: (a) => f.formatPercent(...a),
            share: (a) => f.formatShare(...a), datetime: (a) => f.formatDateTime(a[0], 'UTC'),
        };
        const picked = f.LOCALE;
        const out = {};
        for (const locale of f.SUPPORTED_LOCALES) {
            f.setLocale(locale);
            out[locale] = golden.cases.map((c) => call[c.format](c.args));
        }
        f.setLocale(picked);
        return { picked, out, chosen: golden.pick_locale.map(([languages]) => f.pickLocale(languages)) };
    }""",
        GOLDEN,
    )
    assert written["picked"] == "it-IT"  # the browser's language
    for locale, texts in written["out"].items():
        expected = [case["expected"][locale] for case in GOLDEN["cases"]]
        assert [(c["format"], c["args"], t) for c, t in zip(GOLDEN["cases"], texts) if t != c["expected"][locale]] == []
        assert texts == expected
    assert written["chosen"] == [locale for _, locale in GOLDEN["pick_locale"]]


def test_advice_sentence_and_table_speak_alike(open_dashboard, server):
    page = open_dashboard().page
    panel = page.locator("#advice")
    for name, value in (("month", "24"), ("savings", "800"), ("invested", "3000")):
        panel.locator(f'input[name="{name}"]').fill(value)
    panel.locator("#advice-ask").click()
    expect(panel.locator("#advice-answer")).to_be_visible()
    sentence = panel.locator("#advice-sentence").inner_text()
    asked = {"scenario_name": MODEL, "month": 24, "savings": 800, "invested": 3000}
    advice = server.post("/api/advice", json=asked, headers={"Accept-Language": "it-IT,it;q=0.9"}).json()
    assert sentence == advice["sentence"]
    spend = format_euro(advice["amounts"]["spend"], locale="it-IT")
    assert spend in sentence and spend.endswith("\u00a0€"), (spend, sentence)
    row = panel.locator('#advice-table tr[data-part="spend"] td')
    expect(row.nth(1)).to_have_text(spend)  # the same amount, written the same way
    expect(row.nth(2)).to_have_text(format_share(advice["split"]["spend"], "it-IT"))
    english = server.post("/api/advice", json=asked, headers={"Accept-Language": "en-US,en;q=0.9"}).json()
    assert format_euro(english["amounts"]["spend"], locale="en-GB") in english["sentence"]


def test_the_page_writes_every_date_one_way(open_dashboard, server):
    record = server.post("/api/simulations", json={"scenario_name": MODEL, "households": 40, "seed": 2}).json()
    page = open_dashboard().page
    saved = page.locator(f'#simulation-list tr[data-simulation="{record["id"]}"] td').first
    expect(saved).to_have_text(format_datetime(record["created_at"], "it-IT"))  # the server's rule, this machine's zone
    page.locator(f'#simulation-list tr[data-simulation="{record["id"]}"] .simulation-open').click()
    expect(page.locator("#simulate-summary")).to_contain_text(format_datetime(record["created_at"], "it-IT"))
    expect(page.locator('#model-table tbody tr[data-model="torino_single"]')).to_be_visible()
    dates = page.evaluate("""() => [...document.querySelectorAll('td, #simulate-summary, option')]
        .map((node) => node.textContent).filter((text) => /\\d{4}/.test(text) && /\\d{2}:\\d{2}/.test(text))""")
    assert dates, "no date on the page"
    assert all(re.search(ITALIAN_DATE, text) for text in dates), dates


def test_the_report_fits_a_phone_and_prints_without_a_near_blank_page(open_dashboard, server, chromium, tmp_path):
    record = server.post("/api/simulations", json={"scenario_name": MODEL, "households": 60, "seed": 9}).json()
    url = f"{server.url}/api/simulations/{record['id']}/report"
    page = open_dashboard().page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    assert page.locator('meta[name="viewport"]').get_attribute("content") == "width=device-width, initial-scale=1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('table td')).fontSize)") >= 12
    text = page.locator("body").inner_text()
    assert format_datetime(record["created_at"], "it-IT") in text and record["created_at"] not in text
    assert format_euro(record["scenario"]["safety_buffer"], locale="it-IT") in text

    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_ARGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = pdf.read_bytes()
    objects = streams(data)
    pages = re.findall(rb"/Type /Page\b(?:(?!endobj).)*?/Contents (\d+) 0 R", data, re.S)
    assert len(pages) >= 2
    drawn = [len(re.findall(rb"Tj|TJ", objects[int(number)][1])) for number in pages]
    # every page but the last is well filled (a page left near-blank by a section pushed whole to the next has few)
    assert all(count >= 200 for count in drawn[:-1]), drawn
    assert re.search(rb"/MediaBox \[0 0 59[45]", data), "not A4"  # 595 x 842 points
