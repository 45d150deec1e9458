"""A very long run through the server: does the server's memory stay bounded, and does GET /api/models
stay fast with many models? Run by hand; prints two tables.

1. Memory. For each async mode, starts ``python app.py --quiet`` whose training child is the tests'
   fake trainer ``tests.fake_trainers:burst`` (tests/fake_trainers.py: it only reports progress
   records, as fast as the pipe takes them, and learns nothing, so 100 000 episodes take seconds
   instead of hours; the server's side, relaying and keeping records, is the real one). A python-socketio client stays
   connected and counts ``training_progress`` events, as a dashboard would (a python-socketio client
   handles each event in a thread of its own and may fall behind, or be dropped by the server, in a
   burst of 100 000: the count is shown, not a target). The server's RSS is read
   when idle after a 100-episode warm-up run, every 0.2 s during the long run (peak), and after it.
2. GET /api/models with ``--models`` trained models in the models folder (each saved by the real
   writer, ``hrl_trainer.store.run_writer.record_agents``, with a ``--history-episodes`` history):
   latency over ``--requests`` sequential requests.

    .venv/bin/python benchmarks/long_run.py [--episodes 100000] [--models 50] [--history-episodes 5000]

Targets (this 2-core machine): RSS growth over the long run < 50 MB; GET /api/models p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import requests
import socketio
from servers import running_server, wait_until_up

from hrl_trainer import format_table

FAKE_TRAINERS = Path(__file__).resolve().parents[1]  # the repository, for tests.fake_trainers
TARGET_GROWTH_MB, TARGET_P99_MS = 50.0, 20.0
SCENARIO = "bologna_coppia"


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def train(url: str, episodes: int, sample: Callable[[], object]) -> float:
    """Start a run and poll its status every 0.2 s, calling ``sample``, until it ends; returns seconds."""
    began = time.monotonic()
    with requests.Session() as session:
        session.post(
            f"{url}/api/training/start", json={"scenario_name": SCENARIO, "num_episodes": episodes}, timeout=30
        ).raise_for_status()
        while session.get(f"{url}/api/training/status", timeout=30).json()["is_training"]:
            sample()
            time.sleep(0.2)
            if time.monotonic() - began > 3600:
                sys.exit("the run did not finish within an hour")
    return time.monotonic() - began


def memory_row(mode: str, episodes: int, workdir: Path) -> dict[str, str]:
    env = {
        "HRL_TRAINER_ENTRY": "tests.fake_trainers:burst",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(FAKE_TRAINERS), os.environ.get("PYTHONPATH")])),
    }
    with running_server(workdir / f"memory-{mode}", mode, args=["--quiet"], env=env) as (process, url):
        wait_until_up(url, process)
        progress_events: list[int] = []
        client = socketio.Client(reconnection=False)
        client.on("training_progress", lambda data: progress_events.append(data["episode"]))
        client.connect(url, wait_timeout=10)
        try:
            train(url, 100, lambda: None)  # warm-up: first run's imports and buffers
            time.sleep(1.0)
            idle = rss_mb(process.pid)
            progress_events.clear()
            samples = [idle]
            seconds = train(url, episodes, lambda: samples.append(rss_mb(process.pid)))
            time.sleep(2.0)  # the last events reach the client
            after = rss_mb(process.pid)
            kept = len(requests.get(f"{url}/api/training/progress", timeout=30).json()["progress"])
        finally:
            client.disconnect()
    growth = max(max(samples), after) - idle
    return {
        "mode": mode,
        "episodes": str(episodes),
        "run s": f"{seconds:.1f}",
        "client got": f"{len(progress_events)}",
        "records kept": str(kept),
        "idle RSS MB": f"{idle:.1f}",
        "peak MB": f"{max(samples):.1f}",
        "after MB": f"{after:.1f}",
        "growth MB": f"{growth:+.1f}",
        "target": "PASS" if growth < TARGET_GROWTH_MB else "FAIL",
    }


def save_models(models_dir: Path, count: int, history_episodes: int) -> float:
    """``count`` trained models, saved by the real writer; returns the MB their history files take."""
    from hrl_trainer.agents.networks import Executor, Strategist
    from hrl_trainer.store.checkpoints import model_paths
    from hrl_trainer.store.run_writer import record_agents

    strategist, executor = Strategist(obs_dim=8), Executor(obs_dim=12)
    progress = [
        {
            "episode": e,
            "total_episodes": history_episodes,
            "avg_reward": 10.0 + e % 7 / 3,
            "avg_duration": 118.5,
            "avg_cash": 20_000.0 + e % 13,
            "avg_invested": 14_000.0 + e % 11,
            "stability": 0.97,
            "goal_adherence": 0.0234,
            "elapsed_time": e / 150,
        }
        for e in range(1, history_episodes + 1)
    ]
    size = 0
    for index in range(count):
        name = f"bench_model_{index:02d}"
        history = {
            "scenario_name": name,
            "config": {"num_episodes": history_episodes},
            "seed": index,
            "started_at": "2026-12-01T10:00:00",
            "finished_at": "2026-12-01T10:10:00",
            "episodes_completed": history_episodes,
            "total_episodes": history_episodes,
            "stopped": False,
            "final_metrics": {k: v for k, v in progress[-1].items() if k.startswith("avg_")},
            "progress": progress,
            "evaluations": [],
        }
        record_agents(name, strategist, executor, history, models_dir)
        size += model_paths(name, models_dir)["history"].stat().st_size
    return size / 2**20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def models_row(mode: str, models_dir: Path, count: int, requests_count: int, history_mb: float) -> dict[str, str]:
    with running_server(models_dir, mode, args=["--quiet"]) as (process, url):
        wait_until_up(url, process)
        latencies = []
        with requests.Session() as session:
            for index in range(requests_count + 10):
                began = time.perf_counter()
                response = session.get(f"{url}/api/models", timeout=60)
                elapsed = (time.perf_counter() - began) * 1000
                response.raise_for_status()
                if index >= 10:  # the first few warm up the connection and the caches
                    latencies.append(elapsed)
        listed = len(response.json()["models"])
    p99 = percentile(latencies, 0.99)
    return {
        "mode": mode,
        "models": f"{listed}/{count}",
        "history files MB": f"{history_mb:.0f}",
        "requests": str(len(latencies)),
        "p50 ms": f"{statistics.median(latencies):.1f}",
        "p99 ms": f"{p99:.1f}",
        "max ms": f"{max(latencies):.1f}",
        "target": "PASS" if p99 < TARGET_P99_MS and listed == count else "FAIL",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--history-episodes", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--modes", nargs="+", default=["eventlet", "threading"])
    parser.add_argument("--skip", choices=["memory", "models"], help="leave out one of the two parts")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.skip != "memory":
            rows = [memory_row(mode, args.episodes, workdir) for mode in args.modes]
            print(
                f"Server memory over a {args.episodes}-episode run (fast fake trainer, one Socket.IO client); "
                f"target: growth < {TARGET_GROWTH_MB:g} MB"
            )
            print(format_table(rows, list(rows[0])))
        if args.skip != "models":
            models_dir = workdir / "models"
            history_mb = save_models(models_dir, args.models, args.history_episodes)
            rows = [models_row(mode, models_dir, args.models, args.requests, history_mb) for mode in args.modes]
            print(
                f"\nGET /api/models with {args.models} models ({args.history_episodes}-episode histories); "
                f"target: p99 < {TARGET_P99_MS:g} ms"
            )
            print(format_table(rows, list(rows[0])))
    print(f"1-minute load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
