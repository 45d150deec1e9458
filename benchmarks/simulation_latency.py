"""Simulation and advice latency: run by hand, prints a table.

Publishes an (untrained: the cost does not depend on the weights) model of each ``--scenario`` in a
temporary models folder, then measures
- in process: the first simulation of a household (tuning the baselines, then cached), the first
  after a restart (memory cleared, the tunings read from `models/baselines/`) and warm simulations of ``--households`` households with every policy; advice calls;
- over HTTP against the real server (``python app.py``, eventlet): POST /api/simulations (warm) and
  POST /api/advice, and GET /api/training/status latency while simulations run.

    .venv/bin/python benchmarks/simulation_latency.py [--scenario torino_single] [--households 1000] [--repeats 5]

Targets (this 2-core machine): a warm 1000-household, 120-month simulation with all policies < 1 s;
advice p99 < 50 ms warm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from servers import running_server, wait_until_up  # noqa: E402

from hrl_trainer import load_scenario  # noqa: E402
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist  # noqa: E402
from hrl_trainer.baselines.tuning import tunings  # noqa: E402
from hrl_trainer.env.simulation import OBS_DIM  # noqa: E402
from hrl_trainer.store.model_lookup import resolve_agents  # noqa: E402
from hrl_trainer.store.run_writer import record_agents  # noqa: E402
from hrl_trainer.use.advice import advise  # noqa: E402
from hrl_trainer.use.simulations import simulate  # noqa: E402


def ms(seconds: list[float]) -> tuple[float, float, float]:
    values = np.array(seconds) * 1000
    return float(np.percentile(values, 50)), float(np.percentile(values, 99)), float(values.max())


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return times


def row(what: str, times: list[float]) -> str:
    p50, p99, worst = ms(times)
    return f"| {what} | {len(times)} | {p50:.0f} | {p99:.0f} | {worst:.0f} |"


def in_process(name: str, models: Path, households: int, repeats: int) -> list[str]:
    scenario = load_scenario(name)
    agents = resolve_agents(name, None, models)
    rows = [
        row(
            f"{name}: first simulation (tunes the baselines, saves them)",
            timed(lambda: simulate(scenario, *agents, households, seed=1, models_dir=models), 1),
        )
    ]
    tunings.cache_clear()  # a restarted server: nothing in memory, the tunings on disk
    rows.append(
        row(
            f"{name}: first simulation after a restart (tunings read from disk)",
            timed(lambda: simulate(scenario, *agents, households, seed=1, models_dir=models), 1),
        )
    )
    rows.append(
        row(
            f"{name}: simulation, {households} households, warm",
            timed(lambda: simulate(scenario, *agents, households, models_dir=models), repeats),
        )
    )
    rows.append(
        row(
            f"{name}: advice (agents loaded)",
            timed(lambda: advise(scenario, *agents, month=30, savings=1000.0, invested=4000.0), 200),
        )
    )
    rows.append(
        row(
            f"{name}: advice incl. loading the agents",
            timed(
                lambda: advise(
                    load_scenario(name), *resolve_agents(name, None, models), month=30, savings=1000.0, invested=4000.0
                ),
                100,
            ),
        )
    )
    return rows


def over_http(names: list[str], models: Path, households: int, repeats: int) -> list[str]:
    rows = []
    with running_server(models, "eventlet") as (server, url):
        wait_until_up(url, server, timeout=30)
        with requests.Session() as session:
            for name in names:
                body = {"scenario_name": name, "households": households}
                session.post(f"{url}/api/simulations", json=body, timeout=120).raise_for_status()  # warm-up
                status_times: list[float] = []
                done = threading.Event()

                def poll() -> None:
                    with requests.Session() as poller:
                        while not done.is_set():
                            began = time.perf_counter()
                            poller.get(f"{url}/api/training/status", timeout=10).raise_for_status()
                            status_times.append(time.perf_counter() - began)
                            time.sleep(0.01)

                thread = threading.Thread(target=poll)
                thread.start()
                sims = timed(
                    lambda: session.post(f"{url}/api/simulations", json=body, timeout=120).raise_for_status(), repeats
                )
                done.set()
                thread.join()
                rows.append(row(f"{name}: POST /api/simulations, {households} households", sims))
                rows.append(row(f"{name}: GET /api/training/status during those simulations", status_times))
                advice = {"scenario_name": name, "month": 30, "savings": 1000.0, "invested": 4000.0}
                session.post(f"{url}/api/advice", json=advice, timeout=30).raise_for_status()
                rows.append(
                    row(
                        f"{name}: POST /api/advice",
                        timed(
                            lambda: session.post(f"{url}/api/advice", json=advice, timeout=30).raise_for_status(), 200
                        ),
                    )
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", help="repeatable; default: torino_single and bologna_coppia")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    names = args.scenario or ["torino_single", "bologna_coppia"]
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder) / "models"
        for name in names:
            record_agents(name, Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), {"scenario_name": name}, models)
        rows = [row_ for name in names for row_ in in_process(name, models, args.households, args.repeats)]
        rows += over_http(names, models, args.households, args.repeats)
    print("| what | n | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
