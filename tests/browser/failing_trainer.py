"""A trainer entry for the server's child (``HRL_TRAINER_ENTRY=failing_trainer:train``):
the real trainer, failing the way a non-finite metric makes it fail."""
from __future__ import annotations

from hrl_trainer import TrainingError
from hrl_trainer import train as real_train

FAIL_AT_EPISODE = 3
MESSAGE = f"avg_reward is not finite at episode {FAIL_AT_EPISODE}"


def train(config, on_progress=None, should_stop=None):
    def progress_then_fail(progress: dict) -> None:
        on_progress(progress)
        if progress["episode"] == FAIL_AT_EPISODE:
            raise TrainingError(MESSAGE)

    return real_train(config, on_progress=progress_then_fail, should_stop=should_stop)
