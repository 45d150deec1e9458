"""Simulations' memory and load: run by hand, prints two tables.

Trains a small model of ``--scenario`` (a few episodes, published in a temporary models folder), starts
the real server (``python app.py`` on a free 127.0.0.1 port, ``--mode``) and measures with psutil
- memory: the web process's RSS idle and after 50, 100 and ``--simulations`` simulations of
  ``--households`` households requested one after another, beside its simulation workers' RSS and USS
  (the memory only they use; torch's libraries are shared) and the saved simulations left on disk;
- load: ``--burst`` simulations requested at once: how many were accepted (201) or refused (503 with
  Retry-After) and how long they took, and GET /api/training/status and GET /api/health latency meanwhile.

    .venv/bin/python benchmarks/simulation_load.py [--mode eventlet|threading] [--simulations 200] [--burst 20]

Targets: the web process's RSS after 200 simulations of 1000 households under 150 MB above idle; status
and health p99 under 50 ms while 20 simulations are requested; no request beyond the queue waits (503).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from servers import running_server, wait_until_up  # noqa: E402

from hrl_trainer import TrainConfig, train  # noqa: E402

RSS_TARGET_MB = 150
LATENCY_TARGET_MS = 50
MB = 2**20


def memory(server: psutil.Process) -> tuple[float, float, float]:
    """(web process RSS, its simulation workers' RSS, their USS) in MB; the workers are the server's children
    (multiprocessing's resource tracker, a few MB, counted with them)."""
    children = server.children(recursive=True)
    return (
        server.memory_info().rss / MB,
        sum(c.memory_info().rss for c in children) / MB,
        sum(c.memory_full_info().uss for c in children) / MB,
    )


def memory_table(url: str, server: psutil.Process, models: Path, body: dict, total: int) -> list[str]:
    idle = memory(server)
    rows = [("idle", 0, *idle)]
    marks = sorted({m for m in (50, 100, total) if m <= total})
    with requests.Session() as session:
        for done in range(1, total + 1):
            session.post(f"{url}/api/simulations", json=body, timeout=300).raise_for_status()
            if done in marks:
                rows.append(
                    (f"after {done} simulations", len(list((models / "simulations").glob("*.json"))), *memory(server))
                )
    lines = [
        "| when | saved on disk | web RSS MB | increase MB | target MB | workers RSS MB | workers USS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for when, saved, rss, workers_rss, workers_uss in rows:
        lines.append(
            f"| {when} | {saved} | {rss:.0f} | {rss - idle[0]:+.0f} | < {RSS_TARGET_MB} | "
            f"{workers_rss:.0f} | {workers_uss:.0f} |"
        )
    return lines


def percentiles(seconds: list[float]) -> str:
    values = np.array(seconds) * 1000
    return f"{np.percentile(values, 50):.0f} | {np.percentile(values, 99):.0f} | {values.max():.0f}"


class Pollers:
    """GET each path in a loop of its own (10 ms apart) while in the ``with`` block, timing each answer."""

    def __init__(self, url: str, paths: tuple[str, ...]) -> None:
        self.url = url
        self.latencies: dict[str, list[float]] = {path: [] for path in paths}
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.poll, args=(path,)) for path in paths]

    def poll(self, path: str) -> None:
        with requests.Session() as session:
            while not self.done.is_set():
                began = time.perf_counter()
                session.get(f"{self.url}{path}", timeout=10).raise_for_status()
                self.latencies[path].append(time.perf_counter() - began)
                time.sleep(0.01)

    def __enter__(self) -> Pollers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()


def load_table(url: str, body: dict, burst: int) -> list[str]:
    paths = ("/api/training/status", "/api/health")

    def simulate(_: int) -> tuple[int, float, str | None]:
        began = time.perf_counter()
        answer = requests.post(f"{url}/api/simulations", json=body, timeout=300)
        return answer.status_code, time.perf_counter() - began, answer.headers.get("Retry-After")

    with Pollers(url, paths) as quiet:
        time.sleep(5)
    with Pollers(url, paths) as busy:
        time.sleep(0.5)
        with ThreadPoolExecutor(burst) as executor:
            answers = list(executor.map(simulate, range(burst)))
    accepted = [seconds for status, seconds, _ in answers if status == 201]
    refused = [(seconds, retry) for status, seconds, retry in answers if status == 503]
    others = [status for status, _, _ in answers if status not in (201, 503)]
    lines = [
        "| what | n | p50 ms | p99 ms | max ms | target |",
        "|---|---|---|---|---|---|",
        f"| POST /api/simulations accepted (201) | {len(accepted)} | {percentiles(accepted)} | |",
        f"| POST /api/simulations refused (503, Retry-After {sorted({r for _, r in refused})}) | {len(refused)} | "
        f"{percentiles([s for s, _ in refused]) if refused else '- | - | -'} | no wait |",
    ]
    for path in paths:
        lines.append(
            f"| GET {path}, no simulation (5 s before) | {len(quiet.latencies[path])} | "
            f"{percentiles(quiet.latencies[path])} | |"
        )
        lines.append(
            f"| GET {path} meanwhile | {len(busy.latencies[path])} | {percentiles(busy.latencies[path])} | "
            f"p99 < {LATENCY_TARGET_MS} |"
        )
    if others:
        lines.append(f"| other answers | {len(others)} | {others} | | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("eventlet", "threading"), default="eventlet")
    parser.add_argument("--scenario", default="torino_single")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    body = {"scenario_name": args.scenario, "households": args.households}
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder) / "models"
        train(
            TrainConfig(
                args.scenario, num_episodes=30, save_interval=30, eval_episodes=2, seed=1, models_dir=str(models)
            )
        )
        with running_server(models, args.mode) as (process, url):
            wait_until_up(url, process, timeout=60)
            server = psutil.Process(process.pid)
            memory_lines = memory_table(url, server, models, body, args.simulations)
            load_lines = load_table(url, body, args.burst)
    print(
        f"{args.mode}: {args.simulations} simulations of {args.households} households ({args.scenario}), "
        "one after another"
    )
    print("\n".join(memory_lines))
    print(f"\n{args.burst} simulations requested at once")
    print("\n".join(load_lines))


if __name__ == "__main__":
    main()
