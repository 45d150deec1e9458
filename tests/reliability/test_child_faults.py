"""Faults of the training child: SIGKILL at chosen moments (including in the middle of writing a
file) and a stop request racing with the end of the run.

After a kill: every file under models/ loads or is absent, the previous model is whole, the
error is reported exactly once, the server is idle and trains again.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from live_server import EventRecorder, LiveServer as Server, gone, training_child, wait_until
from reliability.model_files import assert_nothing_partial, assert_model_set_whole, digests
from reliability.runs import SCENARIO, complete_run, start_run

KILLED_RUN = {"num_episodes": 20, "save_interval": 10}
STOP_ANSWER_SECONDS = 30  # the final save takes a few seconds with paused writes; the bug hung >100 s
FINAL_EVENTS = ("training_error", "training_completed", "training_stopped")


def temp_files(folder: Path) -> list[Path]:
    return list(folder.rglob(".*.tmp")) if folder.exists() else []


Moment = Callable[[Path, EventRecorder], object]
MOMENTS: dict[str, Moment] = {
    "after_first_episodes": lambda models, recorder: recorder.named("training_progress"),
    "writing_a_checkpoint": lambda models, recorder: temp_files(models / "checkpoints"),
    "writing_the_final_model": lambda models, recorder: list(models.glob(f".{SCENARIO}_low_agent.pt.*.tmp")),
}
MIXED_FINAL_MODEL = pytest.mark.xfail(strict=True, reason=(
    "hrl_trainer.Trainer.finish renames {scenario}_high_agent.pt, _low_agent.pt and _history.json one by one: "
    "a kill between two renames leaves a new Strategist beside the previous Executor and history"))


def kill_child_and_check(server: Server, recorder: EventRecorder, moment: Moment, whole_model_set: bool = True) -> None:
    """Start a run, SIGKILL its child once ``moment`` holds, and check that nothing was lost
    (``whole_model_set``: nor was the previous model partly replaced, see MIXED_FINAL_MODEL)."""
    before = digests(server.models_dir)
    start_run(server, **KILLED_RUN)
    child = training_child(server)
    wait_until(lambda: moment(server.models_dir, recorder), 60, "the moment to kill")
    child.kill()
    error = recorder.wait_for("training_error", timeout=30)[0]
    assert "SIGKILL" in error["details"], error
    time.sleep(0.3)  # a duplicate or late final event would arrive here
    assert [name for name in recorder.names() if name in FINAL_EVENTS] == ["training_error"]
    assert server.wait_idle(10)["is_training"] is False
    assert wait_until(lambda: gone(child), 10, "the killed child to be reaped")
    if whole_model_set:
        assert_model_set_whole(before, digests(server.models_dir), SCENARIO)
    assert_nothing_partial(server.models_dir)
    complete_run(server, recorder)  # a new start is accepted and trains to the end
    assert_nothing_partial(server.models_dir)


@pytest.mark.parametrize("moment", [
    "after_first_episodes", "writing_a_checkpoint", pytest.param("writing_the_final_model", marks=MIXED_FINAL_MODEL),
])
def test_sigkill_of_the_training_child_loses_nothing(fault_server, recorder, moment):
    kill_child_and_check(fault_server, recorder, MOMENTS[moment])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(24))
def test_sigkill_at_a_random_moment_loses_nothing(fault_server, recorder, seed):
    """Random moments may fall in the final save: the mixed model set is the xfail above, not checked here."""
    delay = random.Random(seed).uniform(0.0, 5.0)  # the killed run lasts about 6 s with paused writes
    started = time.monotonic()
    kill_child_and_check(fault_server, recorder, lambda models, _: time.monotonic() - started >= delay,
                         whole_model_set=False)


def test_stop_after_the_last_episode_while_saving_answers_promptly(fault_server, recorder):
    start_run(fault_server, num_episodes=10, save_interval=10)
    recorder.wait_for("training_progress", count=10, timeout=60)
    wait_until(lambda: list(fault_server.models_dir.glob(f".{SCENARIO}_*.tmp")), 60, "the final save")
    try:
        response = requests.post(f"{fault_server.url}/api/training/stop", timeout=STOP_ANSWER_SECONDS)
    except requests.ReadTimeout:
        pytest.fail(f"/api/training/stop did not answer within {STOP_ANSWER_SECONDS} s")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["episodes_completed"] == 10
    finals = [name for name in recorder.names() if name in FINAL_EVENTS]
    assert len(finals) == 1 and finals[0] != "training_error", finals
    assert fault_server.wait_idle(10)["is_training"] is False
    assert_nothing_partial(fault_server.models_dir)
