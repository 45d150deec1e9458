"""Where the flat PPO stops learning: run by hand, prints a table.

Trains the flat PPO (the Executor alone, `hrl_trainer.train_flat`) with the default settings on a short
and a long budget, with the same seed, and scores both on the same 1000 held-out households,
paired: the long budget minus the short one, in reward per household and in standard errors.
A difference within noise says the flat PPO has reached its plateau at the short budget, so a
target "above the flat PPO" there asks the agents to beat that plateau (docs/learning.md#the-flat-ppos-plateau).

    .venv/bin/python benchmarks/flat_plateau.py [--scenarios milano_junior roma_famiglia] [--seeds 42 7 1]
                                                [--episodes 5000 20000]
"""

from __future__ import annotations

import argparse
import tempfile

import torch

from hrl_trainer import (
    FlatPolicy,
    TrainConfig,
    fixed_households,
    format_table,
    load_scenario,
    paired,
    score,
    train_flat,
)


def flat_reward(scenario: str, episodes: int, seed: int, held_out):
    """The held-out episode stats of a flat PPO trained on `episodes` households with `seed`."""
    with tempfile.TemporaryDirectory() as models:
        executor = train_flat(TrainConfig(scenario, num_episodes=episodes, seed=seed, models_dir=models))
    return score(load_scenario(scenario), held_out, FlatPolicy(executor, deterministic=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["milano_junior", "roma_famiglia"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1])
    parser.add_argument("--episodes", type=int, nargs=2, default=[5000, 20000], metavar=("SHORT", "LONG"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    short, long = args.episodes

    rows = []
    for scenario in args.scenarios:
        held_out = fixed_households(load_scenario(scenario), 1000, "held_out")
        for seed in args.seeds:
            first, second = flat_reward(scenario, short, seed, held_out), flat_reward(scenario, long, seed, held_out)
            diff = paired(second.reward, first.reward)
            rows.append(
                {
                    "scenario": scenario,
                    "seed": seed,
                    f"flat {short}": first.metrics()["avg_reward"],
                    f"flat {long}": second.metrics()["avg_reward"],
                    "long minus short": f"{diff['diff']:+.3f} ± {diff['stderr']:.3f}",
                    "z": f"{diff['diff'] / diff['stderr']:+.1f}",
                }
            )
            print(format_table(rows[-1:], list(rows[-1])), flush=True)
    print(f"\nThe flat PPO on {long} households against the same on {short} (same seed), held-out reward, paired")
    print(format_table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
