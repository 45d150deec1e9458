"""GET /api/docs in headless Chromium: Swagger UI renders every operation of the OpenAPI document,
calls this server, and fetches nothing from anywhere else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.clients.harness import LiveServer

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


@pytest.fixture
def watched_page(browser_context: BrowserContext) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A new tab, the URLs it requested from a host other than 127.0.0.1, and its console errors;
    both lists must be empty at the end."""
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: urlsplit(request.url).hostname == "127.0.0.1" or foreign.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    yield page, foreign, errors
    page.close()
    assert foreign == [], f"requests outside 127.0.0.1: {foreign}"
    assert errors == [], f"console errors: {errors}"


def test_the_docs_page_shows_every_operation_and_tries_one(watched_page, server: LiveServer) -> None:
    page, _, _ = watched_page
    document = server.get_json("/api/openapi.json")
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}

    page.goto(f"{server.url}/api/docs")
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations), timeout=TIMEOUT_MS)
    shown = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
        b.querySelector('.opblock-summary-method').textContent.trim(),
        b.querySelector('.opblock-summary-path').dataset.path])""",
    )
    assert {tuple(operation) for operation in shown} == operations
    expect(page.locator(".info .title")).to_contain_text(document["info"]["title"])
    tags = page.eval_on_selector_all(".opblock-tag", "tags => tags.map(t => t.dataset.tag)")
    assert tags == [tag["name"] for tag in document["tags"]]
    expect(page.locator(".servers select")).to_have_value(server.url)

    health = page.locator("#operations-system-get_api_health")
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    expect(health.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(health.locator(".live-responses-table tbody .microlight").first).to_contain_text('"status": "ok"')


def test_the_dashboard_header_links_to_the_docs(watched_page, server: LiveServer) -> None:
    page, _, _ = watched_page
    page.goto(server.url)
    page.locator("header").get_by_role("link", name="API docs").click()
    expect(page).to_have_url(re.compile(r"/api/docs$"))
    expect(page.locator(".opblock").first).to_be_visible()
