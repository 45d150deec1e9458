"""What the trainer's tests share: the settings of a short run, short real training runs, what a run writes, a
models folder in the layout from before runs, and the command line in a process of its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hrl_trainer import TrainConfig
from hrl_trainer.cli.main import main
from hrl_trainer.learn.trainer import Trainer

SCENARIO = "torino_single"  # the cheapest household to simulate
REPO = Path(__file__).resolve().parents[2]
METRICS = ["avg_reward", "avg_duration", "avg_cash", "avg_invested", "stability", "goal_adherence"]
"""The metrics of a progress record and of an evaluation, in their order."""
RUN_FILES = ["config.json", "high_agent.pt", "history.json", "low_agent.pt", "optimizer.pt", "run.json"]
"""The files of a finished run's folder (beside its checkpoints/), sorted."""


def small(models_dir: Path | None = None, scenario: str = SCENARIO, **settings) -> TrainConfig:
    """The settings of a short run of `scenario` (12 episodes, saved every 6, evaluated on 2 households, seed 3),
    changed by `settings`."""
    return TrainConfig(
        scenario,
        **{
            "num_episodes": 12,
            "save_interval": 6,
            "eval_episodes": 2,
            "seed": 3,
            "models_dir": str(models_dir) if models_dir else None,
            **settings,
        },
    )


def train(models: Path, episodes: int = 20, save_interval: int = 10, seed: int = 1, **config) -> Trainer:
    """A finished run of the real trainer; returns the trainer."""
    trainer = Trainer(small(models, num_episodes=episodes, save_interval=save_interval, seed=seed, **config))
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


def start_cli(*args: str, **kwargs) -> subprocess.Popen:
    """`python -m hrl_trainer ...` started in its own process, output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "hrl_trainer", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`python -m hrl_trainer ...` run to its end in its own process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "hrl_trainer", *args], cwd=REPO, capture_output=True, text=True, check=check, timeout=600
    )


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command line in this process (argparse's own errors exit through SystemExit): its exit status, what it
    printed and what it printed to stderr."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err
