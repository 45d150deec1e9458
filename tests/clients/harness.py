"""Shared by the client and browser tests: a live server for a test module (``running_server``,
the ``server`` fixture) and the check for tools that `make test-deps` installs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live_server import REPO, LiveServer

__all__ = ["REPO", "LiveServer", "required_tool", "running_server", "server"]


def required_tool(path: Path | str | None, what: str) -> str:
    """The tool's path; without it, skip on a developer machine and fail on CI (`make test-deps` installs it)."""
    if path and Path(path).exists():
        return str(path)
    message = f"{what} is missing: run `make test-deps`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def running_server(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A started server with an empty models folder and its own copy of the scenarios (households
    created by a client land there, not in the repository); ``env`` adds environment variables."""
    folder = tmp_path_factory.mktemp("server")
    (folder / "models").mkdir()
    shutil.copytree(REPO / "scenarios", folder / "scenarios")
    env = {"HRL_SCENARIOS_DIR": str(folder / "scenarios"), **(env or {})}
    server = LiveServer(folder / "models", folder / "server.log", env=env)
    try:
        yield server
    finally:
        server.terminate()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for a test module (import this fixture into a conftest)."""
    with running_server(tmp_path_factory) as live:
        yield live
