"""Training speed benchmark: run by hand, prints tables.

Trains a scenario through the real CLI (`python -m hrl_trainer train`, timed
from start to exit), reads where the time went from the run's history, then
scores the model against the baselines with `python -m hrl_trainer evaluate`.

    .venv/bin/python benchmarks/train_speed.py [--scenario bologna_coppia] [--episodes 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

from hrl_trainer import evaluation_table, format_table

TARGET_SECONDS = {1000: 7.0, 5000: 30.0}
"""CLI start to exit, by episodes (issue 13: 1000 in under 7 s, aiming at 5; 5000 in under 30 s)."""
TARGET_MEMORY_MB = 1024.0


def cli(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "hrl_trainer", *args], check=True, capture_output=True, text=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="bologna_coppia")
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as models:
        start = time.perf_counter()
        cli(
            "train",
            "--scenario",
            args.scenario,
            "--episodes",
            str(args.episodes),
            "--seed",
            str(args.seed),
            "--models-dir",
            models,
            "--quiet",
        )
        wall = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(f"{models}/{args.scenario}_history.json") as handle:
            history = json.load(handle)
        months = history["episodes_completed"] * history["scenario"]["months"]  # households step side by side
        report = json.loads(cli("evaluate", "--scenario", args.scenario, "--models-dir", models, "--json"))

    target = f"< {TARGET_SECONDS[args.episodes]:g}" if args.episodes in TARGET_SECONDS else ""
    rows = [
        {"measure": "episodes", "value": str(args.episodes), "target": ""},
        {"measure": "CLI start to exit (s)", "value": f"{wall:.1f}", "target": target},
        {"measure": "episodes per second", "value": f"{args.episodes / wall:.0f}", "target": ""},
        {"measure": "months simulated per second", "value": f"{months / wall:.0f}", "target": ""},
        *(
            {"measure": f"  time in {name} (s)", "value": f"{seconds:.2f}", "target": ""}
            for name, seconds in history["timings"].items()
        ),
        {"measure": "peak memory (MB)", "value": f"{peak_mb:.0f}", "target": f"< {TARGET_MEMORY_MB:.0f}"},
    ]
    print(
        f"Training {args.scenario}, {args.episodes} episodes of {history['scenario']['months']} months, seed {args.seed}"
    )
    print(format_table(rows, ["measure", "value", "target"]))
    print()
    print(f"Evaluation on {report['episodes']} held-out households (hrl minus policy: paired mean ± stderr)")
    print(evaluation_table(report))


if __name__ == "__main__":
    main()
