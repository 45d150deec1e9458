"""Fixtures for the dashboard tests: a live server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from tests.browser.dashboard import Dashboard
from tests.clients.harness import LiveServer, required_tool, server  # noqa: F401  (server is a fixture)

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and with nothing that reaches for the network: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    return required_tool(CHROMIUM, "Debian's Chromium")


@contextmanager
def chromium_context(
    chromium: str, tmp_path_factory: pytest.TempPathFactory, **options: Any
) -> Iterator[BrowserContext]:
    """Chromium with a fresh profile; ``options`` go to Playwright (``locale="it-IT"``, say)."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            **options,
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def browser_context(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium_context(chromium, tmp_path_factory) as context:
        yield context


@pytest.fixture
def open_dashboard(browser_context: BrowserContext, server: LiveServer) -> Iterator[Callable[..., Dashboard]]:  # noqa: F811
    """Opens the dashboard in a new tab; at the end, no tab may have logged a console error
    or fetched anything from elsewhere than the server."""
    opened: list[tuple[Dashboard, re.Pattern | None]] = []

    def open_tab(tolerate: str | None = None) -> Dashboard:
        dashboard = Dashboard(browser_context, server.url)
        opened.append((dashboard, re.compile(tolerate) if tolerate else None))
        return dashboard

    yield open_tab
    server.ensure_idle()
    errors, foreign = [], []
    for dashboard, tolerated in opened:
        errors += [e for e in dashboard.console_errors if not (tolerated and tolerated.search(e))]
        foreign += dashboard.foreign_requests
        dashboard.page.close()
    assert not errors, f"console errors: {errors}"
    assert not foreign, f"requests to elsewhere than the server: {foreign}"
