"""Root of the test suite, the package `tests`: every test module imports the helpers kept here as
`tests.live_server` and so on; the fixtures below start real servers for any suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live_server import LiveServer, ServerFactory
from tests.tunings import TuningStore

TESTS = Path(__file__).resolve().parent
SERVER_FOLDERS = {"hrl_api", "browser", "clients"}
"""Test folders whose tests start real servers, browsers, clusters or clients (marked `server`)."""
SERVER_MODULES = {
    "hrl_trainer/store/test_run_processes.py",
    "hrl_trainer/store/test_safe_loading.py",
    "hrl_trainer/learn/test_run_resume.py",
}
UNIT_MODULES = {
    "hrl_api/web/test_api_unit.py",
    "hrl_api/training/test_supervisor.py",
    "browser/test_page_modules.py",
}
"""Modules of those folders that need none of them (in-process app, files, source text)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of the server folders `server`, so that `make test-fast` (-m "not server") runs the units."""
    for item in items:
        relative = item.path.relative_to(TESTS)
        if relative.as_posix() in UNIT_MODULES:
            continue
        if relative.parts[0] in SERVER_FOLDERS or relative.as_posix() in SERVER_MODULES:
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
