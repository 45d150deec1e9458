"""A cluster on this machine, for `make cluster`, the cluster tests and `benchmarks/cluster.py`.

    python -m hrl_api.local_cluster [--workers 2] [--port 8000] [--models-dir models]

starts Debian's ``redis-server`` on a free 127.0.0.1 port (its data in a temporary folder, not as a
system service), ``--workers`` Celery workers of one training process each, and one web process in
cluster mode; Ctrl-C stops them all. Each part is a child process of its own (``Part``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STOP_SECONDS = 20.0


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_path() -> str | None:
    """Where Debian's redis-server is, or None."""
    return shutil.which("redis-server") or next(
        (path for path in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.access(path, os.X_OK)), None)


class Part:
    """A child process with its own log file; ``stop()`` ends it with SIGTERM, then SIGKILL."""

    def __init__(self, command: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None) -> None:
        self.command, self.log_path, self.env = list(command), log_path, dict(env or os.environ)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # A session of its own: a signal for the whole part (a worker and its pool processes) reaches all of it.
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=self.log_path.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_all(self, signum: int) -> None:
        """Send ``signum`` to the part and every process it started."""
        if self.running:
            os.killpg(self.process.pid, signum)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        if self.process is None:
            return
        self.signal_all(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_all(signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class RedisServer(Part):
    """redis-server on 127.0.0.1:``port`` with its append-only file in ``folder``: a restart on the same
    folder keeps the queue and the run board, as a production Redis with persistence would."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        binary = redis_server_path()
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
        super().__init__([binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(folder),
                          "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"],
                         folder / "redis.log")

    def start(self, timeout: float = 20.0) -> None:
        super().start()
        deadline = time.monotonic() + timeout
        while not self.answers():
            if not self.running or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.log()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def worker_command(name: str, concurrency: int = 1) -> list[str]:
    """The documented worker command (docs/cluster.md), for one machine's worker called ``name``."""
    return [sys.executable, "-m", "celery", "-A", "hrl_api.tasks", "worker", "--concurrency", str(concurrency),
            "--max-tasks-per-child", "50", "--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-gossip",
            "--without-mingle"]


def cluster_env(broker_url: str, models_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "HRL_BROKER_URL": broker_url, "HRL_MODELS_DIR": str(models_dir), "PYTHONUNBUFFERED": "1",
            **(extra or {})}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Redis, Celery workers and one web process, all on this machine.")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers, one training at a time each (default 2)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("HRL_PORT", "8000")), help="web port (8000)")
    parser.add_argument("--models-dir", default=os.environ.get("HRL_MODELS_DIR", str(REPO / "models")),
                        help="the models folder every part shares (default ./models)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="hrl-cluster-"))
    redis_server = RedisServer(folder / "redis")
    redis_server.start()
    env = cluster_env(redis_server.url, Path(args.models_dir).resolve())
    parts: list[Part] = [redis_server]
    for index in range(args.workers):
        worker = Part(worker_command(f"worker{index + 1}"), folder / f"worker{index + 1}.log", env)
        worker.start()
        parts.append(worker)
    print(f"Redis on {redis_server.url}, {args.workers} workers (logs in {folder}); web process on "
          f"http://127.0.0.1:{args.port}; Ctrl-C stops everything", flush=True)
    try:
        web = subprocess.Popen([sys.executable, "app.py", "--port", str(args.port), "--models-dir", args.models_dir],
                               cwd=REPO, env=env)
        # Ctrl-C reaches the web process from the terminal (it stops at once: the runs belong to the
        # workers); SIGTERM is passed on to it. Either way the other parts are stopped after it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda signum, _frame: web.send_signal(signum))
        web.wait()
    finally:
        for part in reversed(parts):
            part.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
