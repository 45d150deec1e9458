"""Fixtures of the API tests: the session's shared server in each async mode, and a subscribed Socket.IO client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import ASYNC_MODES, EventRecorder, LiveServer, LiveServers


@pytest.fixture(params=ASYNC_MODES)
def server(request: pytest.FixtureRequest, live_servers: LiveServers) -> LiveServer:
    """The session's shared server with the real trainer, in each async mode (tests using it run once per mode);
    made idle again after the test."""
    return live_servers.shared(async_mode=request.param)


@pytest.fixture
def recorder(server: LiveServer) -> Iterator[EventRecorder]:
    """A subscribed Socket.IO client on the test's ``server``."""
    client = EventRecorder(server.url)
    yield client
    client.close()
