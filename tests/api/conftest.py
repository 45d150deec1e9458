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


class ServerPool:
    """Real servers shared by the whole session, one per async mode, started on first use."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._servers: dict[str, Server] = {}

    def get(self, async_mode: str) -> Server:
        if async_mode not in self._servers:
            root = self._root / f"server-{async_mode}"
            root.mkdir()
            self._servers[async_mode] = Server(root / "models", root / "server.log", async_mode, {})
        return self._servers[async_mode]

    def terminate(self) -> None:
        for server in self._servers.values():
            server.terminate()


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path_factory.mktemp("shared"))
    yield pool
    pool.terminate()


@pytest.fixture(params=ASYNC_MODES)
def shared_server(request: pytest.FixtureRequest, server_pool: ServerPool) -> Server:
    """The session's real server for each async mode (tests using it run once per mode)."""
    return server_pool.get(request.param)


@pytest.fixture
def eventlet_server(server_pool: ServerPool) -> Iterator[Server]:
    """The session's real server in the default (eventlet) mode, made idle again after the test."""
    server = server_pool.get("eventlet")
    yield server
    server.ensure_idle()


@pytest.fixture
def server(shared_server: Server) -> Iterator[Server]:
    """The shared server of the current async mode, made idle again after the test."""
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
