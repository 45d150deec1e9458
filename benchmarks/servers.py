"""Starting and ending the real server (``python app.py``) from a benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

from hrl_api.cluster.local import free_port

REPO = Path(__file__).resolve().parents[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60.0, interval: float = 0.1) -> float:
    """Poll GET /api/health every ``interval`` s until it answers 200; returns the monotonic time it did."""
    deadline = time.monotonic() + timeout
    with requests.Session() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                sys.exit(f"server exited with {process.returncode}")
            try:
                if session.get(f"{url}/api/health", timeout=1).ok:
                    return time.monotonic()
            except requests.ConnectionError:
                time.sleep(interval)
    sys.exit("server did not start")


@contextmanager
def running_server(
    models_dir: Path, mode: str, *, args: Sequence[str] = (), env: Mapping[str, str] | None = None, repo: Path = REPO
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``python app.py`` on a free port of 127.0.0.1 (not yet waited for): yields (process, url); SIGTERM at the end."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--models-dir", str(models_dir), *args],
        cwd=repo,
        env=dict(os.environ, HRL_ASYNC_MODE=mode, **(env or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
