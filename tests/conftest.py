"""Root of the test suite. pytest puts this folder on sys.path (it is not a package), so every
test folder can import the helpers kept here, such as `live_server`; the fixtures below start
real servers for any suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, ServerFactory
from tunings import TuningStore

TESTS = Path(__file__).resolve().parent
SERVER_FOLDERS = {"api", "browser", "clients", "cluster", "reliability", "runs"}
"""Test folders whose tests start real servers, browsers, clusters or clients (marked `server`)."""
UNIT_MODULES = {"api/test_api_unit.py", "runs/test_run_store.py", "browser/test_page_modules.py"}
"""Modules of those folders that need none of them (in-process app, files, source text)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of the server folders `server`, so that `make test-fast` (-m "not server") runs the units."""
    for item in items:
        relative = item.path.relative_to(TESTS)
        if relative.parts[0] in SERVER_FOLDERS and relative.as_posix() not in UNIT_MODULES:
            item.add_marker(pytest.mark.server)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``start_server(models_dir=None, async_mode="eventlet", args=(), **env)`` -> a running server,
    terminated after the test."""
    factory = ServerFactory(tmp_path)
    yield factory.start
    factory.terminate_all()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """Like ``start_server``, for servers shared by the tests of a module."""
    factory = ServerFactory(tmp_path_factory.mktemp("servers"))
    yield factory.start
    factory.terminate_all()


@pytest.fixture(scope="session")
def tunings(tmp_path_factory: pytest.TempPathFactory) -> TuningStore:
    """``tunings.seed(models_dir, scenario_name, months=None)``: that household's tuned baselines in the folder,
    as a first simulation would leave them, tuned once per session (see tests/tunings.py)."""
    return TuningStore(tmp_path_factory.mktemp("tunings"))
