"""A cluster on this machine, for `make cluster`, the cluster tests and `benchmarks/cluster.py`.

    python -m hrl_api.cluster.local [--workers 2] [--port 8000] [--models-dir models] [--log-dir DIR]

starts Debian's ``redis-server`` on a free 127.0.0.1 port (its data in a temporary folder, not as a
system service), ``--workers`` Celery workers of one training process each, and one web process in
cluster mode on 127.0.0.1. Each part is a child process in a session of its own (``Part``), so that
Ctrl-C in the terminal reaches only this process, which then stops the parts in order
(``LocalCluster.shutdown``, docs/cluster.md): the workers stop their runs the graceful way, queued
runs are cancelled, the web process relays the last events, and only then do it and Redis end.
A second Ctrl-C (or SIGTERM) kills every part at once. The logs stay in ``--log-dir``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hrl_api.core.config import DEFAULTS
from hrl_api.core.serving import PortUnavailable, ensure_port_free
from hrl_trainer.common.environment import API_TOKEN, PORT, EnvironmentSettingError, check_environment
from hrl_trainer.common.paths import resolve_models_dir

REPO = Path(__file__).resolve().parents[2]
LOCAL_HOST = "127.0.0.1"
STOP_SECONDS = 20.0
"""Seconds a part gets to end after SIGTERM before it is killed."""
RUNS_STOP_SECONDS = DEFAULTS["STOP_TIMEOUT"]
"""Seconds the workers get to stop their runs and exit: what POST /api/training/stop gives a run."""
RELAY_SECONDS = 1.0
"""Seconds the web process keeps relaying the message queue's last events to its clients before it ends."""
ABORTED_EXIT = 130


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def redis_server_path() -> str | None:
    """Where Debian's redis-server is, or None."""
    return shutil.which("redis-server") or next(
        (path for path in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.access(path, os.X_OK)), None
    )


class Part:
    """A child process in a session of its own, with its own log file."""

    def __init__(self, command: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None) -> None:
        self.command, self.log_path, self.env = list(command), log_path, dict(env or os.environ)
        self.process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return self.log_path.stem

    def start(self) -> None:
        # A session of its own: a Ctrl-C in the terminal does not reach the part, and a signal for the
        # whole part (a worker and its pool processes) reaches all of it.
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_all(self, signum: int) -> None:
        """Send ``signum`` to the part and every process it started."""
        if self.process is not None and self.running:
            os.killpg(self.process.pid, signum)

    def terminate(self) -> None:
        """SIGTERM to the part's main process only: a Celery worker then shuts down warm (it stops its
        runs and waits for them), whereas its pool processes would die at once of a SIGTERM of their own."""
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> bool:
        """Whether the part has ended within ``timeout`` seconds."""
        if self.process is None:
            return True
        try:
            self.process.wait(max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL to the part and every process it started."""
        self.signal_all(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """``terminate()``, then ``kill()`` if the part has not ended within ``timeout`` seconds."""
        self.terminate()
        if not self.wait(timeout):
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class RedisServer(Part):
    """redis-server on 127.0.0.1:``port`` with its append-only file in ``folder``: a restart on the same
    folder keeps the queue and the run board, as a production Redis with persistence would."""

    def __init__(self, folder: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://{LOCAL_HOST}:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        binary = redis_server_path()
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
        super().__init__(
            [
                binary,
                "--bind",
                LOCAL_HOST,
                "--port",
                str(self.port),
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--protected-mode",
                "yes",
            ],
            log_path or folder / "redis.log",
        )

    def start(self, timeout: float = 20.0) -> None:
        super().start()
        deadline = time.monotonic() + timeout
        while not self.answers():
            if not self.running or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.log()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection((LOCAL_HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def worker_command(name: str, concurrency: int = 1) -> list[str]:
    """The documented worker command (docs/cluster.md), for one machine's worker called ``name``."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "hrl_api.cluster.tasks",
        "worker",
        "--concurrency",
        str(concurrency),
        "--max-tasks-per-child",
        "50",
        "--hostname",
        f"{name}@%h",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]


def cluster_env(broker_url: str, models_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "HRL_BROKER_URL": broker_url,
        "HRL_MODELS_DIR": str(models_dir),
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class LocalCluster:
    """Redis, ``workers`` Celery workers and a web process on 127.0.0.1:``port``, logging into ``log_dir``."""

    def __init__(self, workers: int, port: int, models_dir: Path, log_dir: Path) -> None:
        self.port = port
        self.data = Path(tempfile.mkdtemp(prefix="hrl-cluster-"))
        try:
            self.redis = RedisServer(self.data / "redis", log_path=log_dir / "redis.log")
        except FileNotFoundError:
            self.remove_data()
            raise
        env = cluster_env(self.redis.url, models_dir)
        self.workers = [
            Part(worker_command(f"worker{index}"), log_dir / f"worker{index}.log", env)
            for index in range(1, workers + 1)
        ]
        self.web = Part(
            [sys.executable, "app.py", "--host", LOCAL_HOST, "--port", str(port), "--models-dir", str(models_dir)],
            log_dir / "web.log",
            env,
        )

    @property
    def parts(self) -> list[Part]:
        return [self.redis, *self.workers, self.web]

    def start(self) -> None:
        for part in self.parts:
            part.start()

    def ended_part(self) -> Part | None:
        """A part that ended on its own, if any."""
        return next((part for part in self.parts if not part.running), None)

    def shutdown(self) -> None:
        """Stop every run the way POST /api/training/stop does, then the parts: the workers (SIGTERM to each
        main process: a warm shutdown stops its runs, which finish their batch, save and end ``stopped``),
        queued runs cancelled through the web process, which relays the last events, and then it and Redis."""
        for worker in self.workers:
            worker.terminate()
        deadline = time.monotonic() + RUNS_STOP_SECONDS
        for worker in self.workers:
            if not worker.wait(deadline - time.monotonic()):
                print(f"{worker.name} did not stop its run within {RUNS_STOP_SECONDS:g} s: killed", flush=True)
                worker.kill()
        if self.web.running and self.redis.running:
            self._cancel_queued_runs()
            time.sleep(RELAY_SECONDS)
        self.web.stop()
        self.redis.stop()

    def abort(self) -> None:
        """Kill every part at once."""
        for part in reversed(self.parts):
            part.kill()

    def remove_data(self) -> None:
        shutil.rmtree(self.data, ignore_errors=True)

    def _cancel_queued_runs(self) -> None:
        """Cancel the runs still queued (``training_stopped``, 0 episodes): this Redis ends with the cluster."""
        from hrl_api.cluster.run_board import BrokerError, RunBoard

        try:
            queued = [run["run_id"] for run in RunBoard(self.redis.url).active() if run["state"] == "queued"]
        except BrokerError as exc:
            print(f"Could not read the queued runs: {exc}", flush=True)
            return
        for run_id in queued:
            self._post("/api/training/stop", {"run_id": run_id})

    def _post(self, path: str, body: dict[str, Any]) -> None:
        token = API_TOKEN.value()
        request = urllib.request.Request(
            f"http://{LOCAL_HOST}:{self.port}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
        )
        try:
            urllib.request.urlopen(request, timeout=RUNS_STOP_SECONDS).close()
        except (urllib.error.URLError, OSError) as exc:
            print(f"POST {path} {body} failed: {exc}", flush=True)


class Aborted(Exception):
    """A second Ctrl-C or SIGTERM while the cluster stops."""


class ShutdownSignals:
    """The first SIGINT or SIGTERM asks for a graceful stop (``requested``); a second raises ``Aborted``."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if self.requested.is_set():
            raise Aborted(signal.Signals(signum).name)
        self.requested.set()


def default_log_dir(models_dir: Path) -> Path:
    """``<models>/logs/cluster-<date>-<time>``: one folder per start, kept after the cluster ends."""
    return models_dir / "logs" / time.strftime("cluster-%Y%m%d-%H%M%S")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Redis, Celery workers and one web process, all on this machine.")
    parser.add_argument(
        "--workers", type=int, default=2, help="Celery workers, one training at a time each (default 2)"
    )
    parser.add_argument(
        "--port", type=int, default=PORT.value(), help=f"web port (default: $HRL_PORT or {PORT.default})"
    )
    parser.add_argument(
        "--models-dir",
        default=str(resolve_models_dir()),
        help="the models folder every part shares (default: $HRL_MODELS_DIR or ./models)",
    )
    parser.add_argument("--log-dir", help="where the parts' logs go (default <models-dir>/logs/cluster-<time>)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cluster until Ctrl-C or SIGTERM; 0 after a graceful stop, 1 if a part ended on its own,
    ``ABORTED_EXIT`` after a second signal. Exits at once (1) when the web port is taken."""
    try:
        check_environment()
        args = parse_args(argv)
        ensure_port_free(LOCAL_HOST, args.port)
    except (EnvironmentSettingError, PortUnavailable) as exc:
        sys.exit(f"Error: {exc}")
    models_dir = Path(args.models_dir).resolve()
    log_dir = Path(args.log_dir).resolve() if args.log_dir else default_log_dir(models_dir)
    try:
        cluster = LocalCluster(args.workers, args.port, models_dir, log_dir)
    except FileNotFoundError as exc:  # no redis-server
        sys.exit(f"Error: {exc}")
    log_dir.mkdir(parents=True, exist_ok=True)
    signals = ShutdownSignals()
    try:
        cluster.start()
        print(
            f"Redis on {cluster.redis.url}, {args.workers} workers, web process on http://{LOCAL_HOST}:{args.port}; "
            f"logs in {log_dir}. Ctrl-C stops everything (running runs are saved)",
            flush=True,
        )
        code = 0
        while not signals.requested.wait(0.2):
            ended = cluster.ended_part()
            if ended is not None:
                print(f"{ended.name} ended on its own (exit code {ended.exit_code}); see {ended.log_path}", flush=True)
                code = 1
                break
        print(
            "Stopping: running runs finish their batch and save, queued runs are cancelled "
            "(Ctrl-C again: kill everything now)",
            flush=True,
        )
        cluster.shutdown()
        print("Stopped", flush=True)
        return code
    except Aborted:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        cluster.abort()
        print("Aborted: every part killed", flush=True)
        return ABORTED_EXIT
    finally:
        cluster.remove_data()


if __name__ == "__main__":
    sys.exit(main())
