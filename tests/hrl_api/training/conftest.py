"""Fixtures for the reliability tests: a server whose training child runs the fault-injecting
trainer of this folder (servers come from tests/conftest.py), and the load tests' figures."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest
from live_server import TESTS, EventRecorder, LiveServer

sys.path.insert(0, str(TESTS / "api"))  # api_contract, shared with the API tests
from reliability.fault_trainers import pause_writes
from reliability.figures import figures, pytest_terminal_summary  # noqa: F401  (fixture and hook)
from reliability.runs import complete_run

FAULT_TRAINER = "reliability.fault_trainers:slow_writes"


@pytest.fixture(scope="module")
def fault_server(module_servers: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """A server whose trainer pauses in the middle of every file write for ``server.write_pause_file``'s
    seconds (`fault_trainers.pause_writes`; 0 to begin with), with one model already trained."""
    pause_file = tmp_path_factory.mktemp("fault") / "write_pause"
    pause_writes(pause_file, 0)
    server = module_servers(HRL_TRAINER_ENTRY=FAULT_TRAINER, HRL_TEST_WRITE_PAUSE_FILE=str(pause_file))
    server.write_pause_file = pause_file
    recorder = EventRecorder(server.url)
    complete_run(server, recorder)
    recorder.close()
    return server


@pytest.fixture
def recorder(fault_server: LiveServer) -> Iterator[EventRecorder]:
    """A subscribed Socket.IO client on the module's fault server."""
    client = EventRecorder(fault_server.url)
    yield client
    client.close()
