"""Shared fixtures for the API tests: real servers in subprocesses and subscribed Socket.IO clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import ASYNC_MODES, EventRecorder, LiveServer, ServerFactory


class ServerPool:
    """Real servers shared by the whole session, one per async mode, started on first use."""

    def __init__(self, factory: ServerFactory) -> None:
        self._factory = factory
        self._servers: dict[str, LiveServer] = {}

    def get(self, async_mode: str) -> LiveServer:
        if async_mode not in self._servers:
            self._servers[async_mode] = self._factory.start(async_mode=async_mode)
        return self._servers[async_mode]


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    factory = ServerFactory(tmp_path_factory.mktemp("shared"))
    yield ServerPool(factory)
    factory.terminate_all()


@pytest.fixture(params=ASYNC_MODES)
def shared_server(request: pytest.FixtureRequest, server_pool: ServerPool) -> LiveServer:
    """The session's real server for each async mode (tests using it run once per mode)."""
    return server_pool.get(request.param)


@pytest.fixture
def eventlet_server(server_pool: ServerPool) -> Iterator[LiveServer]:
    """The session's real server in the default (eventlet) mode, made idle again after the test."""
    server = server_pool.get("eventlet")
    yield server
    server.ensure_idle()


@pytest.fixture
def server(shared_server: LiveServer) -> Iterator[LiveServer]:
    """The shared server of the current async mode, made idle again after the test."""
    yield shared_server
    shared_server.ensure_idle()


@pytest.fixture
def recorder(server: LiveServer) -> Iterator[EventRecorder]:
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
