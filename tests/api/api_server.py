"""Test helpers: a real ``python app.py`` on a free port and a recording python-socketio client."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from live_server import REPO, free_port, wait_until

TESTS_API = Path(__file__).resolve().parent
SERVER_START_TIMEOUT = 60.0
ASYNC_MODES = ("eventlet", "threading")


class Server:
    """``python app.py`` on a free port, as a subprocess."""

    def __init__(self, models_dir: Path, log_path: Path, async_mode: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.models_dir = models_dir
        self.async_mode = async_mode
        self.log_path = log_path
        full_env = dict(os.environ, HRL_ASYNC_MODE=async_mode, PYTHONUNBUFFERED="1", **env)
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_API), full_env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port), "--models-dir", str(models_dir)],
            cwd=REPO,
            env=full_env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, SERVER_START_TIMEOUT, f"the server on {self.url} (log: {log_path})")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()}")
        try:
            return requests.get(f"{self.url}/api/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, timeout=90, **kwargs)

    def status(self) -> dict[str, Any]:
        return self.get("/api/training/status").json()

    def wait_idle(self, timeout: float = 60.0) -> dict[str, Any]:
        return wait_until(lambda: (s := self.status()) and not s["is_training"] and s, timeout, "an idle server")

    def ensure_idle(self) -> None:
        """Stop whatever a test left running, so the next test starts from idle."""
        if self.process.poll() is None and self.status()["is_training"]:
            self.post("/api/training/stop")
            self.wait_idle()

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM (graceful), then SIGKILL if it does not exit in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class EventRecorder:
    """A real python-socketio client that records every event it receives, in order."""

    def __init__(self, url: str, subscribe: bool = True) -> None:
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(url, socketio_path="/socket.io", wait_timeout=10)
        wait_until(lambda: self.named("connection_established"), 10, "connection_established")
        if subscribe:
            self.client.emit("subscribe_training", {})
            wait_until(lambda: self.named("training_status"), 10, "the subscribe_training answer")

    def _record(self, event: str, data: Any = None) -> None:
        with self._lock:
            self.events.append((event, data))

    def named(self, event: str) -> list[Any]:
        with self._lock:
            return [data for name, data in self.events if name == event]

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.events]

    def wait_for(self, event: str, timeout: float = 60.0, count: int = 1) -> list[Any]:
        return wait_until(lambda: (found := self.named(event)) and len(found) >= count and found, timeout, event)

    def close(self) -> None:
        """Disconnect without waiting: websocket-client waits up to 3 s for a close frame that
        the threading-mode (Werkzeug) server does not send, which would only slow the tests."""
        threading.Thread(target=self.client.disconnect, daemon=True).start()
