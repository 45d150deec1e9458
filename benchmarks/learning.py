"""Learning benchmark: run by hand, prints one table.

For each bundled scenario, trains through the CLI for each budget and scores
the model on 1000 held-out households against the baselines (paired
differences, in standard errors).

    .venv/bin/python benchmarks/learning.py [--episodes 1000 5000] [--scenarios bologna_coppia ...]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

from train_speed import cli

from hrl_trainer import list_scenarios
from hrl_trainer.cli import format_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--scenarios", nargs="+", default=list_scenarios())
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rows = []
    for episodes in args.episodes:
        for scenario in args.scenarios:
            with tempfile.TemporaryDirectory() as models:
                start = time.perf_counter()
                cli("train", "--scenario", scenario, "--episodes", str(episodes), "--seed", str(args.seed),
                    "--save-interval", str(max(100, episodes // 10)), "--models-dir", models, "--quiet")
                seconds = time.perf_counter() - start
                report = json.loads(cli("evaluate", "--scenario", scenario, "--models-dir", models, "--json"))
            row = {"scenario": scenario, "episodes": episodes, "train s": f"{seconds:.1f}",
                   "hrl reward": report["policies"]["hrl"]["avg_reward"]}
            for name in ("random", "best_fixed", "buffer_first"):
                paired = report["paired"][name]
                row[f"vs {name}"] = f"{paired['diff']:+.2f} ± {paired['stderr']:.2f} ({paired['diff'] / paired['stderr']:+.1f} se)"
            rows.append(row)
            print(format_table(rows[-1:], list(row)), flush=True)
    print()
    print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
