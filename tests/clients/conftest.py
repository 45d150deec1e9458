"""Fixtures for the client tests: a live server, and the Node tools from `make test-deps`."""

from __future__ import annotations

import shutil

import pytest

from tests.clients.harness import REPO, required_tool, server  # noqa: F401  (server is a fixture)


@pytest.fixture(scope="session")
def node() -> str:
    return required_tool(shutil.which("node"), "Node.js")


@pytest.fixture(scope="session")
def newman(node: str) -> str:
    return required_tool(REPO / "node_modules" / ".bin" / "newman", "newman (npm)")


@pytest.fixture(scope="session")
def socketio_client_package(node: str) -> str:
    return required_tool(REPO / "node_modules" / "socket.io-client", "socket.io-client (npm)")
