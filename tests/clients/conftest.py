"""Fixtures for the client tests: a live server, and the Node tools from `make test-deps`."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.live_server import REPO, LiveServer, running_server


def required_tool(path: Path | str | None, what: str) -> str:
    """The tool's path; without it, skip on a developer machine and fail on CI (`make test-deps` installs it)."""
    if path and Path(path).exists():
        return str(path)
    message = f"{what} is missing: run `make test-deps`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def node() -> str:
    return required_tool(shutil.which("node"), "Node.js")


@pytest.fixture(scope="session")
def newman(node: str) -> str:
    return required_tool(REPO / "node_modules" / ".bin" / "newman", "newman (npm)")


@pytest.fixture(scope="session")
def socketio_client_package(node: str) -> str:
    return required_tool(REPO / "node_modules" / "socket.io-client", "socket.io-client (npm)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory) as live:
        yield live
