"""Shared fixtures for the API tests: real servers in subprocesses and subscribed Socket.IO clients."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api_server import ASYNC_MODES, EventRecorder, Server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Factory: ``start_server(async_mode="eventlet", **env)`` -> a running Server, terminated afterwards."""
    servers: list[Server] = []

    def start(async_mode: str = "eventlet", **env: str) -> Server:
        index = len(servers)
        server = Server(tmp_path / f"models{index}", tmp_path / f"server{index}.log", async_mode, env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.terminate()


@pytest.fixture(scope="module", params=ASYNC_MODES)
def shared_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server per async mode, shared by a module's tests (each test leaves it idle)."""
    root = tmp_path_factory.mktemp(f"server-{request.param}")
    server = Server(root / "models", root / "server.log", request.param, {})
    yield server
    server.terminate()


@pytest.fixture
def server(shared_server: Server) -> Iterator[Server]:
    """The module's shared server, made idle again after the test."""
    yield shared_server
    shared_server.ensure_idle()


@pytest.fixture
def recorder(server: Server) -> Iterator[EventRecorder]:
    """A subscribed Socket.IO client on the shared server."""
    client = EventRecorder(server.url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def scenario_name() -> str:
    """A scenario that exists in the default scenarios folder (the spec's example if present)."""
    from hrl_trainer import list_scenarios

    names = list_scenarios()
    assert names, "no scenarios found"
    return "bologna_coppia" if "bologna_coppia" in names else names[0]
