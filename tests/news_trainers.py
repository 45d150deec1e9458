"""A trainer entry for the server's child or a cluster worker (``HRL_TRAINER_ENTRY=tests.news_trainers:evaluates``)
that reports what the real trainer reports beside episodes (issue 22), on cue: each episode's PPO diagnostics,
then the phase of a held-out evaluation announced before the last episode's record, held until asked to stop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hrl_trainer import TrainConfig, TrainResult
from tests.fake_trainers import _progress

EPISODES = 4
HELD_OUT = {"households": 7, "purpose": "held_out"}
PUBLICATION = {
    "run_id": "set by the trainer",
    "published_at": "2026-12-01T07:40:12+00:00",
    "reason": "stopped",
    "replaced_run_id": None,
    "held_out": 1.5,
    "replaced_held_out": None,
}


def diagnostics(agent: str, update: int) -> dict[str, Any]:
    return {
        "agent": agent,
        "update": update,
        "episode": update,
        "policy_loss": -0.01 * update,
        "value_loss": 0.5 / update,
        "entropy": 3.0,
        "approx_kl": 0.001 * update,
        "clip_fraction": 0.1,
        "explained_variance": None if update == 1 else 0.25,
        "learning_rate": 1e-3,
    }


def evaluates(
    config: TrainConfig,
    on_progress: Callable[[dict], None],
    should_stop: Callable[[], bool],
    on_event: Callable[[str, dict], None],
) -> TrainResult:
    started = time.monotonic()
    for episode in range(1, EPISODES + 1):
        for agent in ("strategist", "executor"):
            on_event("diagnostics", diagnostics(agent, episode))
        if episode == EPISODES:  # as the real trainer: the evaluation is announced before the rollout's last record
            on_event("phase", {"phase": "evaluating", "phase_detail": HELD_OUT})
        on_progress(_progress(config, episode, started))
    while not should_stop():
        time.sleep(0.02)
    on_event("phase", {"phase": "saving", "phase_detail": None})
    return TrainResult(
        config.scenario_name,
        EPISODES,
        config.num_episodes,
        True,
        {"avg_reward": 1.0},
        publication={**PUBLICATION, "run_id": config.run_id},
    )
