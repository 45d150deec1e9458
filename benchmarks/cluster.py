"""Cluster benchmark: eight 1000-episode runs, embedded (one run at a time) vs one and two Celery workers.

Run by hand; prints a table. Each mode gets a fresh models folder, and eight households (the bundled
ones and copies of them under other names, so that all eight may be queued at once: one writer per
scenario). Every run is started through the REST API and followed with a python-socketio client:

* throughput: eight runs, from the first start to the last final event (embedded: each run is started
  when the previous one has ended, since the embedded server trains one at a time);
* start to first event: from POST start to the run's first ``training_progress``, for ``--probes``
  short runs started one at a time on an idle server (warm workers in cluster mode).

    .venv/bin/python benchmarks/cluster.py [--runs 8] [--episodes 1000] [--probes 5] [--modes embedded 1 2]

Expected on this 2-core machine: close to 2x the throughput with two workers as with one, and a
start-to-first-event latency well under 0.5 s with warm workers (embedded: about 2 s, a fresh child
importing torch each time).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import socketio
from servers import REPO, running_server, wait_until_up

from hrl_api.cluster.local import Part, RedisServer, cluster_env, worker_command
from hrl_trainer import format_table

FINAL = ("training_completed", "training_stopped", "training_error")
PROBE_EPISODES = 50


def households(folder: Path, count: int) -> list[str]:
    """``count`` scenario files in ``folder``: the bundled ones, then copies named ``{name}_{k}``."""
    folder.mkdir(parents=True)
    bundled = sorted((REPO / "scenarios").glob("*.yaml"))
    names = []
    for index in range(count):
        source = bundled[index % len(bundled)]
        name = source.stem if index < len(bundled) else f"{source.stem}_{index // len(bundled)}"
        text = source.read_text().replace(f"name: {source.stem}", f"name: {name}")
        (folder / f"{name}.yaml").write_text(text)
        names.append(name)
    return names


class Follower:
    """A Socket.IO client noting, per run, when its first progress and its final event arrived."""

    def __init__(self, url: str) -> None:
        self.first_progress: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.outcomes: dict[str, str] = {}
        self._changed = threading.Condition()
        self.client = socketio.Client()
        self.client.on("*", self._on_event)
        self.client.connect(url, wait_timeout=10)

    def _on_event(self, event: str, data=None) -> None:
        run_id = data.get("run_id") if isinstance(data, dict) else None
        if run_id is None:
            return
        with self._changed:
            if event == "training_progress":
                self.first_progress.setdefault(run_id, time.monotonic())
            elif event in FINAL:
                self.ended[run_id] = time.monotonic()
                self.outcomes[run_id] = event
            self._changed.notify_all()

    def wait_ended(self, run_ids: list[str], timeout: float = 1800.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: all(r in self.ended for r in run_ids), timeout):
                raise SystemExit(f"runs did not end within {timeout} s")


def start(session, url: str, scenario: str, episodes: int) -> tuple[dict, float]:
    posted = time.monotonic()
    response = session.post(
        f"{url}/api/training/start",
        json={"scenario_name": scenario, "num_episodes": episodes, "eval_episodes": 10},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["data"], posted


def measure(url: str, names: list[str], episodes: int, one_at_a_time: bool, probes: int) -> dict:
    import requests

    follower = Follower(url)
    latencies = []
    with requests.Session() as session:
        for index in range(probes):  # one short run at a time, on an idle server
            data, posted = start(session, url, names[index % len(names)], PROBE_EPISODES)
            follower.wait_ended([data["run_id"]])
            latencies.append(follower.first_progress[data["run_id"]] - posted)
    started: list[tuple[dict, float]] = []
    with requests.Session() as session:
        begun = time.monotonic()
        for name in names:
            started.append(start(session, url, name, episodes))
            if one_at_a_time:
                follower.wait_ended([started[-1][0]["run_id"]])
        follower.wait_ended([data["run_id"] for data, _ in started])
    elapsed = max(follower.ended[data["run_id"]] for data, _ in started) - begun
    follower.client.disconnect()
    outcomes = [follower.outcomes[data["run_id"]] for data, _ in started]
    return {"seconds": elapsed, "latencies": latencies, "completed": outcomes.count("training_completed")}


def run_mode(mode: str, runs: int, episodes: int, probes: int, workdir: Path) -> dict:
    folder = workdir / mode
    names = households(folder / "scenarios", runs)
    env = {"HRL_SCENARIOS_DIR": str(folder / "scenarios")}
    parts: list[Part] = []
    try:
        if mode != "embedded":
            redis_server = RedisServer(folder / "redis")
            redis_server.start()
            parts.append(redis_server)
            env = cluster_env(redis_server.url, folder / "models", env)
            for index in range(int(mode)):
                worker = Part(worker_command(f"bench{index}"), folder / f"worker{index}.log", env)
                worker.start()
                parts.append(worker)
        with running_server(folder / "models", "eventlet", args=["--quiet"], env=env) as (process, url):
            wait_until_up(url, process)
            if mode != "embedded":
                wait_for_workers(url, int(mode))
            result = measure(url, names, episodes, mode == "embedded", probes)
    finally:
        for part in reversed(parts):
            part.stop()
    return result


def wait_for_workers(url: str, count: int, timeout: float = 120.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while requests.get(f"{url}/api/health", timeout=5).json().get("workers", 0) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} workers did not register within {timeout} s")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=5, help="short runs timing start to first event")
    parser.add_argument(
        "--modes", nargs="+", default=["embedded", "1", "2"], help="embedded, and/or a number of Celery workers"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hrl-cluster-bench-"))
    rows = []
    try:
        for mode in args.modes:
            result = run_mode(mode, args.runs, args.episodes, args.probes, workdir)
            latencies = result["latencies"]
            rows.append(
                {
                    "mode": "embedded (one run at a time)" if mode == "embedded" else f"cluster, {mode} worker(s)",
                    f"{args.runs} runs (s)": f"{result['seconds']:.1f}",
                    "runs/min": f"{60 * args.runs / result['seconds']:.2f}",
                    "completed": f"{result['completed']}/{args.runs}",
                    "start->1st event median (s)": f"{statistics.median(latencies):.3f}" if latencies else "-",
                    "max (s)": f"{max(latencies):.3f}" if latencies else "-",
                    "n": str(len(latencies)),
                }
            )
            print(format_table(rows[-1:], list(rows[-1])), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.runs} runs of {args.episodes} episodes each")
    print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
