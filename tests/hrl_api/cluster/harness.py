"""A real cluster for the cluster tests: redis-server on a free 127.0.0.1 port, two Celery workers
(one training process each) and two web processes in cluster mode (A in eventlet mode, B in
threading mode), all sharing one models folder. The workers train with a fake trainer (0.05 s an
episode) so that runs last as long as a test needs."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from hrl_api.cluster.local import Part, RedisServer
from hrl_api.cluster.run_board import RunBoard
from tests.live_server import EventRecorder, LiveServer, wait_until

TRAINER = "tests.fake_trainers:steady"
HEARTBEAT_TIMEOUT = 3.0
WORKERS = 2


@dataclass
class Cluster:
    redis: RedisServer
    workers: dict[str, Part]  # by worker name
    a: LiveServer
    b: LiveServer
    board: RunBoard
    root: Path

    def start_worker(self, name: str) -> None:
        """(Re)start worker ``name`` and wait until its process is warm (its slot on the board): a killed
        worker's slot would otherwise linger until it expires."""
        for key in self.board.redis.scan_iter(f"hrl:worker:{name}@*"):
            self.board.redis.delete(key)
        self.workers[name].start()
        wait_until(lambda: list(self.board.redis.scan_iter(f"hrl:worker:{name}@*")), 60, f"worker {name} warm")

    def running_workers(self) -> list[str]:
        return [name for name, part in self.workers.items() if part.running]

    def start_run(self, scenario: str, episodes: int, server: LiveServer | None = None) -> dict:
        response = (server or self.a).post(
            "/api/training/start", json={"scenario_name": scenario, "num_episodes": episodes}
        )
        assert response.status_code == 202, response.text
        return response.json()["data"]

    def training(self, scenario: str, episodes: int, recorder: EventRecorder) -> tuple[dict, Part]:
        """Start a run and wait until ``recorder`` sees its progress; (its start data, the worker training it)."""
        run = self.start_run(scenario, episodes)
        running = self.wait_state(run["run_id"], "running")
        wait_until(
            lambda: [data for data in recorder.named("training_progress") if data["run_id"] == run["run_id"]],
            30,
            "progress",
        )
        return run, self.workers[running["worker"].split("@")[0]]

    def wait_state(self, run_id: str, state: str, timeout: float = 60.0) -> dict:
        return wait_until(
            lambda: (run := self.board.run(run_id)) and run["state"] == state and run, timeout, f"run {run_id} {state}"
        )

    def stop_everything(self) -> None:
        """Stop every queued or running run (between tests)."""
        for run in self.board.active():
            self.a.post("/api/training/stop", json={"run_id": run["run_id"]})
        wait_until(lambda: not self.board.active(), 60, "no active run")

    def recorder(self, server: LiveServer, **subscription: str) -> EventRecorder:
        recorder = EventRecorder(server.url, subscribe=not subscription)
        if subscription:
            recorder.client.emit("subscribe_training", subscription)
            wait_until(lambda: recorder.named("training_status"), 10, "the subscribe_training answer")
        return recorder


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class LocalClusterServer(LiveServer):
    """``python -m hrl_api.cluster.local`` (what `make cluster` runs) with one worker and its logs in
    ``log_dir``, started as a terminal starts it: in a process group of its own (Ctrl-C there is a SIGINT to
    the group), SIGINT at its default (a non-interactive shell's background job would ignore it). ``url`` is
    its web process; ``parts`` its processes (Redis, workers, web), killed by ``kill_leftovers``, as on leaving
    it as a context manager. Started by ``live_servers.start(models_dir, kind=LocalClusterServer, **env)``."""

    workers = 1

    @property
    def log_dir(self) -> Path:
        return self.log_path.with_suffix("")

    def start(self, wait: bool = True) -> None:
        self.parts: list[psutil.Process] = []
        command = [
            sys.executable,
            "-m",
            "hrl_api.cluster.local",
            "--workers",
            str(self.workers),
            "--log-dir",
            str(self.log_dir),
        ]
        self.process = self.launch(command, start_new_session=True, preexec_fn=_default_sigint)
        if wait:
            self.wait_ready()

    def __exit__(self, *exc_info: object) -> None:
        self.kill_leftovers()

    def wait_ready(self) -> None:
        wait_until(
            lambda: self._answers() and self.get_json("/api/health")["workers"] == self.workers,
            120,
            f"the local cluster's {self.workers} workers (log: {self.log_path})",
        )
        self.parts = psutil.Process(self.process.pid).children(recursive=True)

    def start_run(self, scenario: str, episodes: int, **fields: Any) -> dict:
        response = self.post(
            "/api/training/start", json={"scenario_name": scenario, "num_episodes": episodes, **fields}
        )
        assert response.status_code == 202, response.text
        return response.json()["data"]

    def ctrl_c(self) -> None:
        """What Ctrl-C in its terminal does: SIGINT to its process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def parts_running(self) -> list[psutil.Process]:
        return [part for part in self.parts if part.is_running() and part.status() != psutil.STATUS_ZOMBIE]

    def kill_leftovers(self) -> None:
        """Kill it and whatever of its parts is still there (after a failed test)."""
        if self.process.poll() is None:
            self.process.kill()
        for part in self.parts:
            try:
                part.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait()
