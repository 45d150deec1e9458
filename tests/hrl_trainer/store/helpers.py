"""Short real training runs and a models folder in the layout from before runs, for the runs tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from hrl_trainer import TrainConfig
from hrl_trainer.learn.trainer import Trainer

SCENARIO = "torino_single"  # the cheapest household to simulate
REPO = Path(__file__).resolve().parents[3]


def train(models: Path, episodes: int = 20, save_interval: int = 10, seed: int = 1, **config) -> Trainer:
    """A finished run of the real trainer; returns the trainer."""
    trainer = Trainer(
        TrainConfig(
            SCENARIO,
            num_episodes=episodes,
            save_interval=save_interval,
            eval_episodes=2,
            seed=seed,
            models_dir=str(models),
            **config,
        )
    )
    trainer.run()
    return trainer


def make_legacy(models: Path) -> None:
    """Turn a models folder with one published run into the layout from before runs: the three model
    files and a real `checkpoints/{scenario}/` folder, nothing else."""
    link = models / "checkpoints" / SCENARIO
    target = link.resolve()
    link.unlink()
    shutil.copytree(target, link)
    (models / f"{SCENARIO}_run.json").unlink()
    shutil.rmtree(models / "runs")
    shutil.rmtree(models / "locks")


def cli(*args: str, **kwargs) -> subprocess.Popen:
    """`python -m hrl_trainer ...` in its own process, output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "hrl_trainer", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )
