"""Fixtures for the reliability tests: real servers (tests/api/api_server.py) whose training child
can load the fault-injecting trainer entries of this folder."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "api"))

from api_server import EventRecorder, Server  # noqa: E402
from reliability.figures import figures, pytest_terminal_summary  # noqa: E402,F401  (fixture and hook)
from reliability.runs import complete_run  # noqa: E402

FAULT_TRAINER = "reliability.fault_trainers:slow_writes"



class ServerFactory:
    """Starts eventlet servers with ``tests/`` importable in their training child; terminates them all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.servers: list[Server] = []

    def __call__(self, models_dir: Path | None = None, **env: str) -> Server:
        index = len(self.servers)
        server = Server(models_dir or self.root / f"models{index}", self.root / f"server{index}.log", "eventlet",
                        {"PYTHONPATH": str(TESTS), **env})
        self.servers.append(server)
        return server

    def terminate_all(self) -> None:
        for server in self.servers:
            server.terminate()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``start_server(models_dir=None, **env)`` -> a running Server, terminated after the test."""
    factory = ServerFactory(tmp_path)
    yield factory
    factory.terminate_all()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Like ``start_server``, for servers shared by the tests of a module."""
    factory = ServerFactory(tmp_path_factory.mktemp("servers"))
    yield factory
    factory.terminate_all()


@pytest.fixture(scope="module")
def fault_server(module_servers: ServerFactory) -> Server:
    """A server whose trainer pauses in the middle of every file write, with one model already trained."""
    server = module_servers(HRL_TRAINER_ENTRY=FAULT_TRAINER, HRL_TEST_WRITE_PAUSE="0.2")
    recorder = EventRecorder(server.url)
    complete_run(server, recorder)
    recorder.close()
    return server


@pytest.fixture
def recorder(fault_server: Server) -> Iterator[EventRecorder]:
    """A subscribed Socket.IO client on the module's fault server."""
    client = EventRecorder(fault_server.url)
    yield client
    client.close()
