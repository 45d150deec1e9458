"""The page's JavaScript read as text: one entry module, one module that calls fetch(), one that
loads uPlot, and no policy label or colour, nor form default or bound, of the server's tables written into the page."""

from __future__ import annotations

import re
from pathlib import Path

from hrl_api.schemas.settings import SETTINGS
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


FORM_MODULES = ["fieldsettings.js", "main.js", "runform.js", "use/advice.js", "use/households.js", "use/simulate.js"]


def served_numbers() -> set[str]:
    """Every default and bound of GET /api/settings of 10 or more, as a page would write it."""
    numbers = {SETTINGS["max_household_months"]}
    for part in (SETTINGS[name] for name in ("run", "simulation", "advice", "household")):
        numbers |= {
            value
            for field in part.values()
            for key, value in field.items()
            if key in ("default", "min", "max") and isinstance(value, int | float) and not isinstance(value, bool)
        }
    return {str(int(number)) for number in numbers if number >= 10 and float(number).is_integer()}


def test_form_defaults_and_bounds_come_from_the_server():
    """No default or bound that GET /api/settings serves is written into the page: not in an input of the
    templates (the old run defaults 1000 / 100 / 10, say), not as a number or a range in the forms' modules."""
    assert {"1000", "100", "10", "600", "1200000"} <= served_numbers()
    served_fields = {name for part in ("run", "simulation", "advice", "household") for name in SETTINGS[part]}
    templates = "".join(path.read_text() for path in (REPO / "templates").glob("*.html"))
    inputs = {
        re.search(r'name="([^"]+)"', tag).group(1): tag
        for tag in re.findall(r"<(?:input|select)\b[^>]*\bname=[^>]*>", templates)
    }
    assert {"num_episodes", "households", "month", "savings"} <= set(inputs) & served_fields
    for name in set(inputs) & served_fields:
        assert not re.search(r'\b(min|max|value)="', inputs[name]), inputs[name]
    for module in FORM_MODULES:
        text = (JS / module).read_text()
        numbers = "|".join(served_numbers())
        assert not re.findall(rf"(?<![\w.])(?:{numbers})(?![\w.])", text), module
        assert not re.search(r"\(\d[\d.]* to \d", text), module  # a range in a label ("(12 to 600)")
        assert not re.search(r"\.(min|max|value)\s*=\s*['\"]?-?\d", text), module
    assert users_of(r"'conservative'|'aggressive'") == []  # the profiles to choose from are served too
