"""Shared by the client and browser tests: a real ``python app.py`` in a subprocess on a free
127.0.0.1 port, and the check for tools that `make test-deps` installs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from live_server import REPO, free_port, wait_until

START_TIMEOUT = 60.0


def required_tool(path: Path | str | None, what: str) -> str:
    """The tool's path; without it, skip on a developer machine and fail on CI (`make test-deps` installs it)."""
    if path and Path(path).exists():
        return str(path)
    message = f"{what} is missing: run `make test-deps`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class LiveServer:
    """The service with its own models folder; ``restart`` keeps the port, as a redeploy would."""

    def __init__(self, models_dir: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.models_dir = models_dir
        self.log_path = log_path
        self.env = dict(os.environ, **(env or {}))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port), "--models-dir", str(self.models_dir)],
            cwd=REPO,
            env=self.env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, START_TIMEOUT, f"the server at {self.url} (log: {self.log_path})")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log_path.read_text()}")
        try:
            return requests.get(f"{self.url}/api/health", timeout=1).ok
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        """SIGTERM (the server stops a running training gracefully), SIGKILL after 60 s."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def get(self, path: str) -> Any:
        response = requests.get(self.url + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return requests.post(self.url + path, json=body, timeout=90)

    def wait_idle(self, timeout: float = 90.0) -> dict[str, Any]:
        return wait_until(lambda: (s := self.get("/api/training/status")) and not s["is_training"] and s, timeout, "no run in progress")

    def ensure_idle(self) -> None:
        """Stop a run a test left behind, so the next test starts from idle."""
        if self.get("/api/training/status")["is_training"]:
            self.post("/api/training/stop")
        self.wait_idle()


@contextmanager
def running_server(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A started server with an empty models folder; ``env`` adds environment variables."""
    folder = tmp_path_factory.mktemp("server")
    (folder / "models").mkdir()
    server = LiveServer(folder / "models", folder / "server.log", env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for a test module (import this fixture into a conftest)."""
    with running_server(tmp_path_factory) as live:
        yield live
