"""A stop request that races with the end of a run: always a prompt answer and one final event."""
from __future__ import annotations

import pytest
import requests

from api_server import wait_until
from reliability.model_files import assert_nothing_partial
from reliability.runs import SCENARIO, complete_run, start_run

STOP_ANSWER_SECONDS = 30  # the final save takes a few seconds with paused writes; the bug hung >100 s


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
    finals = [name for name in recorder.names() if name in ("training_error", "training_completed", "training_stopped")]
    assert len(finals) == 1 and finals[0] != "training_error", finals
    assert fault_server.wait_idle(10)["is_training"] is False
    assert_nothing_partial(fault_server.models_dir)
    complete_run(fault_server, recorder)
