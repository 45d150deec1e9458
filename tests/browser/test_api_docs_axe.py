"""GET /api/docs has no critical or serious axe-core violation (WCAG 2.2 AA and best practices), as the dashboard
(issue 22): collapsed, with an operation opened and tried, with a model expanded, at 1440 px and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.dashboard import TIMEOUT_MS, accessibility_violations
from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=SIZES.values(), ids=SIZES.keys())
def docs_page(request, browser_context: BrowserContext, server: LiveServer):
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_viewport_size(request.param)
    page.goto(f"{server.url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    yield page
    page.close()


def test_the_docs_page_has_no_serious_or_critical_violation(docs_page: Page) -> None:
    assert accessibility_violations(docs_page) == []


def open_and_try(page: Page, operation_id: str) -> None:
    operation = page.locator(f"#operations-{operation_id}")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()


def test_opened_and_tried_operations_and_the_models_have_none_either(docs_page: Page) -> None:
    page = docs_page
    open_and_try(page, "runs-get_api_runs")  # query parameters, two of them lists
    listing = page.locator("#operations-runs-get_api_runs")
    listing.get_by_role("button", name="Execute").click()
    expect(listing.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    open_and_try(page, "training-post_api_training_start")  # a request body to edit
    open_and_try(page, "runs-post_api_runs__run_id__publish")  # an optional body
    labelled = page.locator("#operations-runs-patch_api_runs__run_id_")
    labelled.locator(".opblock-summary").click()
    expect(labelled.locator(".opblock-body")).to_be_visible()
    models = page.locator("section.models")
    if "is-open" not in (models.get_attribute("class") or ""):
        models.locator("h4 button").first.click()
    models.locator(".model-container").first.locator(".model-box-control").first.click()
    assert accessibility_violations(page) == []


def test_the_authorize_dialog_has_none_either(docs_page: Page) -> None:
    page = docs_page
    page.locator(".btn.authorize").first.click()
    expect(page.locator(".dialog-ux .modal-ux")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Close").first.click()
    expect(page.locator(".dialog-ux")).to_have_count(0)


def test_deep_links_still_open_their_operation(docs_page: Page, server: LiveServer) -> None:
    page = docs_page
    page.locator("#operations-runs-patch_api_runs__run_id_ .opblock-summary-control").click()
    expect(page).to_have_url(f"{server.url}/api/docs#/runs/patch_api_runs__run_id_")
    page.goto(f"{server.url}/api/docs#/models/get_api_models__name__publications")
    page.reload()  # a page opened at that address
    expect(page.locator("#operations-models-get_api_models__name__publications .opblock-body")).to_be_visible()
    # the path is text inside the button that opens the operation, not a link inside it
    assert page.locator(".opblock-summary-control a").count() == 0
