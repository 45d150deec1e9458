"""Shared by the client and browser tests: a live server for a test module (the ``server`` fixture) and the
check for tools that `make test-deps` installs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import REPO, LiveServer, LiveServers

__all__ = ["REPO", "LiveServer", "required_tool", "server"]


def required_tool(path: Path | str | None, what: str) -> str:
    """The tool's path; without it, skip on a developer machine and fail on CI (`make test-deps` installs it)."""
    if path and Path(path).exists():
        return str(path)
    message = f"{what} is missing: run `make test-deps`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(live_servers: LiveServers) -> Iterator[LiveServer]:
    """A live server of the test module's own, with an empty models folder and its own copy of the scenarios
    (households created by a client land there, not in the repository); import this fixture into a conftest."""
    with live_servers.start(scenarios=True) as live:
        yield live
