"""The dashboard against a server with an API token: asked for once, kept for the tab's session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.clients.harness import LiveServer
from tests.live_server import LiveServers

pytestmark = pytest.mark.browser

TOKEN = "browser-s3cret"
STORAGE_KEY = "hrl-api-token"
SHORT_RUN = 6  # episodes
LONG_RUN = 1000  # episodes: stopped well before its end
# The browser logs each 401 answer, and at times a 400 for an Engine.IO poll that races the
# closing of a refused Socket.IO connection's session.
REFUSED = r"status of 40[01] "


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, live_servers: LiveServers) -> Iterator[LiveServer]:
    """A server wanting TOKEN; parametrize it indirectly with "" for one without a token."""
    token = getattr(request, "param", TOKEN)
    with live_servers.start(scenarios=True, **({"HRL_API_TOKEN": token} if token else {})) as live:
        yield live


def token_form(page: Page) -> Locator:
    return page.get_by_role("dialog", name="API token needed")


def token_input(page: Page) -> Locator:
    return page.get_by_label("API token", exact=True)


def enter_token(page: Page, token: str) -> None:
    token_input(page).fill(token)
    page.get_by_role("button", name="Use token").click()


def cancel_token_form(page: Page) -> None:
    page.get_by_role("button", name="Cancel").click()
    expect(token_form(page)).to_be_hidden()


def stored_token(page: Page) -> str | None:
    return page.evaluate("key => sessionStorage.getItem(key)", STORAGE_KEY)


def expect_connection(page: Page, state: str) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", state)


def test_the_token_is_asked_for_once_and_kept_for_the_session(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard(tolerate=REFUSED)
    page = dashboard.page
    # The refused Socket.IO connection asks at once.
    expect(token_form(page)).to_be_visible()
    expect_connection(page, "locked")
    expect(token_input(page)).to_be_focused()
    expect(page.get_by_role("alert")).to_have_count(0)
    dashboard.assert_accessible("token form")
    enter_token(page, TOKEN)
    expect(token_form(page)).to_be_hidden()
    expect_connection(page, "connected")
    assert stored_token(page) == TOKEN

    page.reload()
    expect_connection(page, "connected")  # with the stored token: a prompt would have kept it "locked"
    expect(token_form(page)).to_be_hidden()
    assert stored_token(page) == TOKEN
    with page.expect_request("**/api/training/start") as start:
        dashboard.start("torino_single", episodes=SHORT_RUN)
    assert start.value.headers["authorization"] == f"Bearer {TOKEN}"
    dashboard.expect_banner("success", rf"Training of torino_single completed: {SHORT_RUN} episodes")
    expect(token_form(page)).to_be_hidden()
    status = server.get_json("/api/training/status")
    assert (status["scenario_name"], status["current_episode"]) == ("torino_single", SHORT_RUN)
    assert server.get_json("/api/models/torino_single/history")["episodes_completed"] == SHORT_RUN


def test_a_start_asks_for_the_token_and_a_wrong_one_is_asked_again(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard(tolerate=REFUSED)
    page = dashboard.page
    expect(token_form(page)).to_be_visible()
    cancel_token_form(page)
    expect_connection(page, "locked")

    dashboard.start("bologna_coppia", episodes=LONG_RUN)
    expect(token_form(page)).to_be_visible()  # the start's 401
    expect(page.get_by_role("alert")).to_have_count(0)
    enter_token(page, "wrong-token")
    expect(page.get_by_role("alert")).to_have_text("That token was not accepted. Check it and try again.")
    expect(token_form(page)).to_be_visible()
    expect(token_input(page)).to_have_attribute("aria-invalid", "true")
    expect(token_input(page)).to_have_value("")
    dashboard.assert_accessible("token form, wrong token")
    assert stored_token(page) is None
    assert server.get_json("/api/training/status")["is_training"] is False

    enter_token(page, TOKEN)  # the start is tried again, and the socket connects
    expect(token_form(page)).to_be_hidden()
    expect(page.locator("#run")).to_have_attribute("data-state", "running")
    expect(page.locator("#run-title")).to_have_text("bologna_coppia · running")
    status = server.get_json("/api/training/status")
    assert status["is_training"] is True and status["scenario_name"] == "bologna_coppia"
    expect_connection(page, "connected")
    dashboard.wait_for_episode(2)  # progress arrives over the socket
    assert stored_token(page) == TOKEN

    dashboard.stop()  # with the token: no second prompt
    dashboard.expect_banner("info", r"Training of bologna_coppia stopped after \d+ episodes")
    expect(token_form(page)).to_be_hidden()
    assert server.wait_idle()["scenario_name"] == "bologna_coppia"


def test_cancelling_the_form_reports_the_refused_start(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard(tolerate=REFUSED)
    page = dashboard.page
    cancel_token_form(page)
    dashboard.start("milano_junior", episodes=SHORT_RUN)
    expect(token_form(page)).to_be_visible()
    cancel_token_form(page)
    dashboard.expect_banner("error", "Missing or invalid API token")
    expect(page.locator("#start-button")).to_be_enabled()
    expect_connection(page, "locked")
    assert stored_token(page) is None
    assert server.get_json("/api/training/status")["is_training"] is False


@pytest.mark.parametrize("server", [""], indirect=True, ids=["no token"])
def test_a_server_without_a_token_never_asks(open_dashboard, server: LiveServer) -> None:
    dashboard = open_dashboard()  # no 401 may be logged
    page = dashboard.page
    expect_connection(page, "connected")
    dashboard.start("milano_senior", episodes=SHORT_RUN)
    dashboard.expect_banner("success", rf"Training of milano_senior completed: {SHORT_RUN} episodes")
    expect(token_form(page)).to_be_hidden()
    assert stored_token(page) is None
