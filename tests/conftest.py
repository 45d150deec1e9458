"""Root of the test suite. pytest puts this folder on sys.path (it is not a package), so every
test folder can import the helpers kept here, such as `live_server`; the fixtures below start
real servers for any suite."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from live_server import LiveServer, ServerFactory
from tunings import TuningStore


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
