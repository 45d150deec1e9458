"""The page's JavaScript read as text: one entry module, one module that calls fetch(), one that
loads uPlot, and no policy label or colour of the server's table written into the page."""

from __future__ import annotations

import re
from pathlib import Path

from hrl_trainer.use.policy_looks import POLICY_LOOKS, SAFETY_BUFFER

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "static" / "js"
IMPORT = re.compile(r"""^import\s[^'"]*['"](\.{1,2}/[^'"]+)['"];?$""", re.MULTILINE)
# api-docs.js is the /api/docs page's classic script, not a module of the dashboard.
MODULES = sorted(path for path in JS.rglob("*.js") if path.name != "api-docs.js")


def users_of(pattern: str) -> list[str]:
    return [path.relative_to(JS).as_posix() for path in MODULES if re.search(pattern, path.read_text())]


def test_the_page_loads_one_entry_module_that_reaches_every_module():
    templates = "".join(path.read_text() for path in (REPO / "templates").glob("*.html"))
    entries = re.findall(r"""<script type="module" src="[^"]*filename='js/([^']+)'""", templates)
    assert entries == ["main.js"]
    reached, todo = set(), [JS / "main.js"]
    while todo:
        module = todo.pop()
        if module in reached:
            continue
        reached.add(module)
        todo += [
            (module.parent / target).resolve()
            for target in IMPORT.findall(module.read_text())
            if not target.startswith("../vendor/") and "/vendor/" not in target
        ]
    assert sorted(reached) == MODULES, set(MODULES) - reached


def test_one_module_talks_to_the_server_and_one_loads_upLot():
    assert users_of(r"\bfetch\(") == ["api.js"]
    assert users_of(r"uPlot\.esm\.js") == ["plot.js"]
    assert users_of(r"<svg|createElementNS") == []


def test_policy_labels_and_colours_come_from_the_server():
    for look in (*POLICY_LOOKS.values(), SAFETY_BUFFER):
        assert users_of(re.escape(f"'{look.label}'")) == [], look.label
        assert users_of(re.escape(look.color)) == [], look.color
