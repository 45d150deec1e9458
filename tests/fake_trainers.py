"""Trainer entry points with misbehaviours, run by the server's child via ``HRL_TRAINER_ENTRY``.

Each has the signature of ``hrl_trainer.train``.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable
from typing import Any

from hrl_trainer import TrainConfig, TrainingError, TrainResult
from hrl_trainer.common.clock import iso, utc_now
from hrl_trainer.store.run_writer import RunWriter
from hrl_trainer.store.runs import FINAL_FILES

EPISODE_SECONDS = 0.05
HELD_OUT_SECONDS = 0.2
EXIT_SECONDS = 0.3
Progress = Callable[[dict[str, Any]], None]
ShouldStop = Callable[[], bool]


def _progress(config: TrainConfig, episode: int, started: float) -> dict[str, Any]:
    return {
        "episode": episode,
        "total_episodes": config.num_episodes,
        "avg_reward": float(episode),
        "avg_duration": 120.0,
        "avg_cash": 1000.0,
        "avg_invested": 10.0 * episode,
        "stability": 0.9,
        "goal_adherence": 0.1,
        "elapsed_time": time.monotonic() - started,
    }


def _episodes(config: TrainConfig, on_progress: Progress, count: int) -> None:
    started = time.monotonic()
    for episode in range(1, count + 1):
        time.sleep(EPISODE_SECONDS)
        on_progress(_progress(config, episode, started))


def _count_episodes(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop, pause: float) -> TrainResult:
    started = time.monotonic()
    episode = 0
    while episode < config.num_episodes and not should_stop():
        episode += 1
        time.sleep(pause)
        on_progress(_progress(config, episode, started))
    return TrainResult(
        scenario_name=config.scenario_name,
        episodes_completed=episode,
        total_episodes=config.num_episodes,
        stopped=episode < config.num_episodes,
        final_metrics={k: v for k, v in _progress(config, episode, started).items() if k.startswith("avg_")},
    )


def steady(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """A well-behaved, fast trainer that saves nothing."""
    return _count_episodes(config, on_progress, should_stop, EPISODE_SECONDS)


def phased(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """The real trainer's phases in a second: its run folder (through the real `RunWriter`), episodes, a held-out
    evaluation, the final files (fake agents) and summary saved, then a slow exit, as a child unloading torch
    takes (its end of the pipe already closed): a stop or a signal can land in each of them."""
    writer = RunWriter(config.run_id, config.models_dir)
    writer.start_untrained({"trainer": "phased"})
    try:
        result = _count_episodes(config, on_progress, should_stop, EPISODE_SECONDS)
        time.sleep(HELD_OUT_SECONDS)
        writer.save_final({name: b"{}" for name in FINAL_FILES})
        writer.finish(
            publish=False,
            status="stopped" if result.stopped else "completed",
            episodes_completed=result.episodes_completed,
            finished_at=iso(utc_now()),
        )
    finally:
        writer.close()
    atexit.register(time.sleep, EXIT_SECONDS)
    return result


def burst(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """Like ``steady`` without the pause: reports episodes faster than the server relays them."""
    return _count_episodes(config, on_progress, should_stop, 0.0)


def raises(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """Crashes with an ordinary exception after two episodes."""
    _episodes(config, on_progress, 2)
    raise RuntimeError("fake trainer exploded")


def nan_loss(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """Fails the way the real trainer does when a loss becomes NaN."""
    _episodes(config, on_progress, 3)
    raise TrainingError("policy loss became nan at episode 4")


def ignores_stop(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """Never looks at should_stop and never finishes: only terminating it ends the run."""
    _episodes(config, on_progress, 2)
    while True:
        time.sleep(1.0)


def reports_torch_threads(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """Loads torch only now, as a trainer may, and fails naming the number of threads torch would use."""
    import torch

    raise TrainingError(f"torch threads: {torch.get_num_threads()}")


def real_trainer_reporting_threads(config: TrainConfig, on_progress: Progress, should_stop: ShouldStop) -> TrainResult:
    """The real trainer (torch loaded with the entry), stopped at its first progress naming torch's threads."""
    import torch

    from hrl_trainer import train

    def report(progress: dict[str, Any]) -> None:
        raise TrainingError(f"torch threads: {torch.get_num_threads()}")

    return train(config, on_progress=report, should_stop=should_stop)
