"""GET /api/models with many published models: run by hand, prints a table.

Builds a models folder of ``--models`` published models whose histories hold ``--episodes``
progress rows each, twice: as runs write them (with the small ``{scenario}_run.json`` summary the
listing reads) and as before runs (the listing must parse every history). Times
``hrl_trainer.list_trained_models`` in-process on both, then ``GET /api/models`` on a real server
(``python app.py``) over the first folder.

    .venv/bin/python benchmarks/models_listing.py [--models 50] [--episodes 10000] [--repeats 50]

Target (issue 9): GET /api/models p99 < 20 ms with 50 models.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from servers import running_server, wait_until_up  # noqa: E402

from hrl_trainer import list_trained_models  # noqa: E402
from hrl_trainer.store.checkpoints import json_bytes  # noqa: E402

ROW = {
    "episode": 1,
    "total_episodes": 1,
    "avg_reward": 12.345678901234,
    "avg_duration": 120.0,
    "avg_cash": 5234.6789012345,
    "avg_invested": 12500.123456789,
    "stability": 0.98512345678,
    "goal_adherence": 0.0234123456789,
    "elapsed_time": 323.456,
}


def build(folder: Path, models: int, episodes: int, summaries: bool) -> None:
    folder.mkdir(parents=True)
    progress = [{**ROW, "episode": i + 1, "total_episodes": episodes} for i in range(episodes)]
    for index in range(models):
        name = f"bench_{index:03d}"
        summary = {
            "run_id": f"{name}-20261201-000000-0000",
            "scenario_name": name,
            "status": "completed",
            "episodes_completed": episodes,
            "final_metrics": {k: v for k, v in ROW.items() if k.startswith("avg_")},
            "finished_at": "2026-12-01T00:00:00",
        }
        history = {**summary, "progress": progress, "evaluations": []}
        (folder / f"{name}_history.json").write_bytes(json_bytes(history))
        for agent in ("high_agent", "low_agent"):
            (folder / f"{name}_{agent}.pt").write_bytes(b"not read by the listing")
        if summaries:
            (folder / f"{name}_run.json").write_bytes(json_bytes(summary))


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], ordered[-1]


def time_calls(call, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def server_times(folder: Path, repeats: int) -> dict[str, list[float]]:
    """Latencies of GET /api/models and, as the floor, GET /api/health on one server (eventlet, the default)."""
    with running_server(folder, "eventlet") as (server, url):
        wait_until_up(url, server)
        with requests.Session() as session:
            times = {}
            for path in ("/api/models", "/api/health"):
                session.get(url + path, timeout=30).raise_for_status()  # warm up
                times[path] = time_calls(lambda: session.get(url + path, timeout=30).raise_for_status(), repeats)
            return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs_layout, old_layout = Path(tmp) / "runs", Path(tmp) / "old"
        build(runs_layout, args.models, args.episodes, summaries=True)
        build(old_layout, args.models, args.episodes, summaries=False)
        size = sum(p.stat().st_size for p in runs_layout.glob("*_history.json")) / 2**20
        served = server_times(runs_layout, args.repeats)
        rows = [
            (
                "list_trained_models, summaries (runs)",
                time_calls(lambda: list_trained_models(runs_layout), args.repeats),
            ),
            (
                "list_trained_models, histories (before)",
                time_calls(lambda: list_trained_models(old_layout), max(3, args.repeats // 10)),
            ),
            ("GET /api/models, live server (runs)", served["/api/models"]),
            ("GET /api/health, same server (the floor)", served["/api/health"]),
        ]
    print(f"{args.models} models, {args.episodes} episodes each ({size:.0f} MB of compact histories)")
    print(f"{'what':<42} {'calls':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for what, samples in rows:
        p50, p99, worst = percentiles(samples)
        print(f"{what:<42} {len(samples):>5} {p50:>8.1f} {p99:>8.1f} {worst:>8.1f}")


if __name__ == "__main__":
    main()
