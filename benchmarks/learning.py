"""Learning benchmark: run by hand, prints tables.

For each bundled scenario, budget and seed, trains through the CLI (timed from start
to exit), trains the flat PPO on the same budget, settings and seed, and scores the
agents on 1000 held-out households against every baseline (paired differences). Prints
one row per run, then per scenario and budget the mean paired difference over the seeds,
the mean standard error, and how many seeds meet each target, then the targets met.

    .venv/bin/python benchmarks/learning.py [--episodes 1000 5000] [--seeds 42 7 1] [--scenarios ...] [--save F]
    .venv/bin/python benchmarks/learning.py --load F [G ...]      # the tables again, from saved runs
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from train_speed import cli

from hrl_trainer import (
    BASELINES,
    compare_policy,
    flat_baseline,
    format_table,
    list_scenarios,
    load_policy,
    load_scenario,
)

TARGETS = {
    # (baseline, episodes): (z the agents must exceed, seeds needed of 3, what it says)
    ("random", 1000): (3.0, 3, "above random by > 3 se"),
    ("best_fixed", 1000): (2.0, 3, "above best_fixed by > 2 se"),
    ("best_fixed", 5000): (2.0, 3, "above best_fixed by > 2 se"),
    ("buffer_first", 1000): (-2.0, 3, "not below buffer_first by > 2 se"),
    ("buffer_first", 5000): (-2.0, 3, "not below buffer_first by > 2 se"),
    ("target_liquidity_2", 1000): (-2.0, 3, "not below the two-number rule by > 2 se"),
    ("target_liquidity_2", 5000): (2.0, 3, "above the two-number rule by > 2 se"),
    ("target_liquidity_4", 5000): (2.0, 1, "above the four-number rule by > 2 se (and never below by > 2)"),
    ("flat_ppo", 1000): (0.0, 3, "above the flat PPO (diff > 0)"),
    ("flat_ppo", 5000): (0.0, 3, "above the flat PPO (diff > 0)"),
}


def z(paired: dict) -> float:
    return paired["diff"] / paired["stderr"] if paired["stderr"] > 0 else 0.0


def run(scenario: str, episodes: int, seed: int) -> dict:
    """Train, train the flat PPO, compare; one row of per-baseline paired results."""
    with tempfile.TemporaryDirectory() as models:
        start = time.perf_counter()
        cli(
            "train",
            "--scenario",
            scenario,
            "--episodes",
            str(episodes),
            "--seed",
            str(seed),
            "--save-interval",
            str(max(100, episodes // 10)),
            "--models-dir",
            models,
            "--quiet",
        )
        seconds = time.perf_counter() - start
        policy = load_policy(scenario, models_dir=models)
        flat = flat_baseline(scenario, None, models).executor
    report = compare_policy(load_scenario(scenario), policy, flat_executor=flat)
    return {
        "scenario": scenario,
        "episodes": episodes,
        "seed": seed,
        "train s": seconds,
        "hrl": report["policies"]["hrl"]["avg_reward"],
        "paired": report["paired"],
    }


def target_met(baseline: str, episodes: int, zs: list[float]) -> str:
    threshold, needed, _ = TARGETS[(baseline, episodes)]
    meeting = sum(value > threshold for value in zs)
    never_far_below = baseline != "target_liquidity_4" or all(value > -2.0 for value in zs)
    return f"{meeting}/{len(zs)}" + ("" if meeting >= min(needed, len(zs)) and never_far_below else " MISSED")


def summary(rows: list[dict]) -> list[dict]:
    """Per scenario and budget: mean diff ± mean stderr over the seeds, and seeds meeting each target."""
    out = []
    for key in dict.fromkeys((r["scenario"], r["episodes"]) for r in rows):
        group = [r for r in rows if (r["scenario"], r["episodes"]) == key]
        line = {"scenario": key[0], "episodes": key[1], "train s": f"{max(r['train s'] for r in group):.1f}"}
        for name in BASELINES:
            pairs = [r["paired"][name] for r in group]
            diff = sum(p["diff"] for p in pairs) / len(pairs)
            stderr = sum(p["stderr"] for p in pairs) / len(pairs)
            met = target_met(name, key[1], [z(p) for p in pairs]) if (name, key[1]) in TARGETS else ""
            line[f"vs {name}"] = f"{diff:+.2f} ± {stderr:.2f} {met}".rstrip()
        out.append(line)
    return out


def per_run(rows: list[dict]) -> list[dict]:
    """One line per run: the z of each paired difference."""
    return [
        {
            "scenario": r["scenario"],
            "episodes": r["episodes"],
            "seed": r["seed"],
            "train s": f"{r['train s']:.1f}",
            "hrl": r["hrl"],
            **{f"z {name}": f"{z(r['paired'][name]):+.1f}" for name in BASELINES},
        }
        for r in sorted(rows, key=lambda r: (r["episodes"], r["scenario"]))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--scenarios", nargs="+", default=list_scenarios())
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1])
    parser.add_argument("--save", help="append each run's results to this JSON-lines file")
    parser.add_argument(
        "--load", nargs="+", default=[], help="JSON-lines files saved by --save: print their tables instead of running"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)

    rows = [json.loads(line) for path in args.load for line in Path(path).read_text().splitlines() if line.strip()]
    todo = [] if args.load else [(e, sc, seed) for e in args.episodes for sc in args.scenarios for seed in args.seeds]
    for episodes, scenario, seed in todo:
        rows.append(run(scenario, episodes, seed))
        if args.save:
            with open(args.save, "a") as handle:
                handle.write(json.dumps(rows[-1]) + "\n")
        print(format_table(per_run(rows[-1:]), list(per_run(rows[-1:])[0])), flush=True)
    print("\nEvery run: paired difference in standard errors (z) against each baseline")
    print(format_table(per_run(rows), list(per_run(rows)[0])))
    table = summary(sorted(rows, key=lambda r: (r["episodes"], r["scenario"])))
    print(
        "\nMean paired difference (hrl minus baseline) ± mean standard error over the seeds; seeds meeting the target"
    )
    print(format_table(table, list(table[0])))
    print("\nTargets:")
    for (_name, episodes), (_, needed, text) in TARGETS.items():
        if any(r["episodes"] == episodes for r in rows):
            print(f"  {episodes:>5} episodes, {text}: {needed} of 3 seeds needed")


if __name__ == "__main__":
    main()
