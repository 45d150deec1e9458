"""A trainer entry for the server's child (``HRL_TRAINER_ENTRY=tests.browser.scripted_trainer:train``): the real
trainer, scripted by scenario. ``FAILING_SCENARIO`` fails the way a non-finite metric makes it fail;
``WAITING_SCENARIO`` runs no episode until asked to stop, then takes a while to wind up, so the page
can be seen stopping and a stop at 0 episodes happens every time."""

from __future__ import annotations

import time

from hrl_trainer import TrainingError
from hrl_trainer import train as real_train

FAILING_SCENARIO = "bologna_coppia"
FAIL_AT_EPISODE = 3
MESSAGE = f"avg_reward is not finite at episode {FAIL_AT_EPISODE}"
WAITING_SCENARIO = "milano_junior"
WIND_UP_SECONDS = 1.5


def train(config, on_progress=None, should_stop=None):
    if config.scenario_name == WAITING_SCENARIO:
        while not should_stop():
            time.sleep(0.05)
        time.sleep(WIND_UP_SECONDS)
        return real_train(config, on_progress=on_progress, should_stop=should_stop)

    def progress_then_fail(progress: dict) -> None:
        on_progress(progress)
        if config.scenario_name == FAILING_SCENARIO and progress["episode"] == FAIL_AT_EPISODE:
            raise TrainingError(MESSAGE)

    return real_train(config, on_progress=progress_then_fail, should_stop=should_stop)
