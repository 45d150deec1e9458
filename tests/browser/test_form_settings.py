"""The forms' defaults and bounds are the server's (GET /api/settings): the New run, Simulate, Advice and
household forms show what it serves, and follow a changed answer."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

FORMS = {"run": "#start-form", "simulation": "#simulate-form", "advice": "#advice-form", "household": "#household-form"}


def as_js(number: float) -> str:
    """A number as JavaScript's String() writes it: 1e9 -> "1000000000", 0.5 -> "0.5"."""
    return str(int(number)) if float(number).is_integer() else repr(number)


def expect_form_follows(page: Page, served: dict[str, Any], values: bool = True) -> int:
    """Every served field in a form has the served min, max and (when ``values``) starting value; returns how
    many fields were checked."""
    checked = 0
    for part, form in FORMS.items():
        for name, field in served[part].items():
            element = page.locator(f'{form} [name="{name}"]')
            if not element.count() or "min" not in field:
                continue
            expect(element).to_have_attribute("min", as_js(field["min"]))
            expect(element).to_have_attribute("max", as_js(field["max"]))
            if values and field.get("default") is not None:
                expect(element).to_have_value(as_js(field["default"]))
            elif values and "default" in field:
                expect(element).to_have_value("")  # the server chooses (a random seed)
            elif values:
                expect(element).to_have_value(as_js(field["min"]))  # required: from the lowest value
            checked += 1
    return checked


def test_the_forms_show_the_served_defaults_and_bounds(open_dashboard, server) -> None:
    served = server.get_json("/api/settings")
    page = open_dashboard().page
    # The household form is filled from a copy of a scenario: its bounds are the server's, its values the copy's.
    assert expect_form_follows(page, {**served, "household": {}}) == 4 + 2 + 5
    assert (
        expect_form_follows(page, {**{part: {} for part in FORMS}, "household": served["household"]}, values=False)
        >= 20
    )
    low, high = served["household"]["months"]["min"], served["household"]["months"]["max"]
    expect(page.locator('#household-form [data-field="months"]')).to_contain_text(
        f"Months to simulate ({low} to {high})"
    )
    expect(page.locator('#household-form [name="profile"] option')).to_have_text(
        served["household"]["profile"]["choices"]
    )


@pytest.fixture
def changed_settings(browser_context: BrowserContext, server) -> Iterator[dict[str, Any]]:
    """GET /api/settings answered with other defaults and bounds, for the pages opened meanwhile."""
    changed = copy.deepcopy(server.get_json("/api/settings"))
    changed["run"]["num_episodes"] = {"default": 77, "min": 5, "max": 500}
    changed["run"]["seed"] = {"default": 123, "min": 1, "max": 999}
    changed["simulation"]["households"] = {"default": 33, "min": 2, "max": 44}
    changed["advice"]["month"] = {"min": 0, "max": 5}
    changed["advice"]["savings"] = {"min": 3, "max": 9.5}
    changed["household"]["months"] = {"min": 24, "max": 48}
    changed["household"]["risk_tolerance"] = {"min": 0.25, "max": 0.75}
    changed["household"]["profile"] = {"default": "balanced", "choices": ["balanced", "conservative"]}
    browser_context.route("**/api/settings", lambda route: route.fulfill(json=changed))
    yield changed
    browser_context.unroute("**/api/settings")


def test_the_forms_follow_a_changed_answer(open_dashboard, changed_settings) -> None:
    page = open_dashboard().page
    assert expect_form_follows(page, {**changed_settings, "household": {}}) == 4 + 2 + 5
    expect(page.locator('#start-form [name="num_episodes"]')).to_have_value("77")
    expect(page.locator('#simulate-form [name="households"]')).to_have_attribute("max", "44")
    expect(page.locator('#advice-form [name="savings"]')).to_have_value("3")
    household = page.locator("#household-form")
    expect(household.locator('[name="months"]')).to_have_attribute("min", "24")
    expect(household.locator('[data-field="months"]')).to_contain_text("Months to simulate (24 to 48)")
    expect(household.locator('[data-field="risk_tolerance"]')).to_contain_text("Risk tolerance (0.25 to 0.75)")
    expect(household.locator('[name="profile"] option')).to_have_text(["balanced", "conservative"])
