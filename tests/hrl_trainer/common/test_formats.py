"""One voice: the page's formatter (static/js/format.js, run by Node) and the server's (hrl_trainer.common.money)
write every number, amount, percentage and date of the golden table (formats.json) alike, in every locale.
tests/browser/test_voice.py checks the same table in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest

from hrl_trainer.common.money import (
    SUPPORTED_LOCALES,
    format_datetime,
    format_euro,
    format_number,
    format_percent,
    format_share,
    pick_locale,
)
from tests.clients.harness import REPO, required_tool

GOLDEN_PATH = Path(__file__).with_name("formats.json")
GOLDEN = json.loads(GOLDEN_PATH.read_text())
PYTHON = {
    "euro": lambda locale, value, digits=0, signed=False: format_euro(value, digits, signed, locale),
    "number": lambda locale, value, digits=0: format_number(value, digits, locale),
    "percent": lambda locale, share, digits=0: format_percent(share, digits, locale),
    "share": lambda locale, share: format_share(share, locale),
    "datetime": lambda locale, iso: format_datetime(iso, locale, UTC),
}
# The same table through format.js, in Node: one line of JSON, [case index, locale, written] for each.
NODE_CHECK = """
import { readFileSync } from 'node:fs';
const f = await import(process.argv[1]);
const golden = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const call = {
  euro: (a) => f.formatEuro(...a), number: (a) => f.formatNumber(...a), percent: (a) => f.formatPercent(...a),
  share: (a) => f.formatShare(...a), datetime: (a) => f.formatDateTime(a[0], 'UTC'),
};
const written = [];
for (const locale of f.SUPPORTED_LOCALES) {
  f.setLocale(locale);
  golden.cases.forEach((c, i) => written.push([i, locale, call[c.format](c.args)]));
}
const picked = golden.pick_locale.map(([languages]) => f.pickLocale(languages));
console.log(JSON.stringify({ locales: f.SUPPORTED_LOCALES, written, picked }));
"""


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"{c['format']}{c['args']}")
def test_the_server_writes_the_golden_table(case: dict) -> None:
    assert sorted(case["expected"]) == sorted(SUPPORTED_LOCALES)
    for locale, expected in case["expected"].items():
        assert PYTHON[case["format"]](locale, *case["args"]) == expected, locale


def test_the_server_picks_the_locale_as_the_page_does() -> None:
    for languages, locale in GOLDEN["pick_locale"]:
        assert pick_locale(languages) == locale, languages


def test_the_page_formatter_writes_the_golden_table_in_node() -> None:
    node = required_tool(shutil.which("node"), "Node.js")
    module = (REPO / "static" / "js" / "format.js").as_uri()
    answer = subprocess.run(
        [node, "--input-type=module", "-e", NODE_CHECK, module, str(GOLDEN_PATH)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result = json.loads(answer.stdout)
    assert result["locales"] == list(SUPPORTED_LOCALES)
    assert len(result["written"]) == len(GOLDEN["cases"]) * len(SUPPORTED_LOCALES)
    wrong = [
        (GOLDEN["cases"][i]["format"], GOLDEN["cases"][i]["args"], locale, text)
        for i, locale, text in result["written"]
        if GOLDEN["cases"][i]["expected"][locale] != text
    ]
    assert wrong == []
    assert result["picked"] == [locale for _, locale in GOLDEN["pick_locale"]]
