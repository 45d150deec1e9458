"""A misbehaving trainer or a signalled server must never wedge the service (real server processes)."""

from __future__ import annotations

import json
import signal
import time

import psutil
import pytest

from tests.api_contract import EVENTS, assert_error, assert_fields, assert_progress_sequence
from tests.live_server import ASYNC_MODES, EventRecorder, training_child


def assert_one_error_then_idle(server, recorder, scenario_name, details: str) -> None:
    error = recorder.wait_for("training_error")[0]
    assert_fields(error, EVENTS["training_error"])
    assert error["message"] == "Training failed" and details in error["details"], error
    time.sleep(0.3)  # a duplicate or late event would show up here
    assert recorder.names().count("training_error") == 1
    assert "training_completed" not in recorder.names() and "training_stopped" not in recorder.names()
    idle = server.wait_idle(10)
    assert idle["is_training"] is False
    assert idle["outcome"] == "failed" and idle["error"] == error["details"]
    assert_error(server.post("/api/training/stop"), 400)


def started(server, scenario_name: str, episodes: int) -> EventRecorder:
    """A subscribed client, then a start of ``episodes`` episodes, accepted."""
    recorder = EventRecorder(server.url)
    response = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": episodes})
    assert response.status_code == 202, response.text
    return recorder


def two_episodes_in(server, scenario_name: str, episodes: int) -> tuple[EventRecorder, psutil.Process]:
    """``started``, once two episodes were reported; the client and the run's training child."""
    recorder = started(server, scenario_name, episodes)
    recorder.wait_for("training_progress", count=2)
    return recorder, training_child(server)


def assert_next_start_accepted(server, recorder, scenario_name) -> None:
    response = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": 3})
    assert response.status_code == 202, response.text
    done = recorder.wait_for("training_completed", timeout=60)
    assert done[-1]["episodes_completed"] == 3


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_trainer_exception_becomes_one_training_error(live_servers, scenario_name, async_mode):
    with live_servers.start(async_mode=async_mode, HRL_TRAINER_ENTRY="tests.fake_trainers:raises") as server:
        recorder = started(server, scenario_name, 50)
        assert_one_error_then_idle(server, recorder, scenario_name, "RuntimeError: fake trainer exploded")
        assert_progress_sequence(recorder.named("training_progress"), 50, upto=2)
        recorder.close()


def test_nan_training_error_is_reported_and_next_start_accepted(live_servers, scenario_name):
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:nan_loss") as server:
        recorder = started(server, scenario_name, 50)
        assert_one_error_then_idle(server, recorder, scenario_name, "TrainingError: policy loss became nan")
        response = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": 3})
        assert response.status_code == 202, response.text
        recorder.close()


def test_killed_trainer_becomes_training_error_and_server_recovers(live_servers, scenario_name):
    server = live_servers.shared()  # the real trainer, eventlet
    recorder, child = two_episodes_in(server, scenario_name, 5000)
    child.send_signal(signal.SIGKILL)
    assert_one_error_then_idle(server, recorder, scenario_name, "SIGKILL")
    assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE
    assert_next_start_accepted(server, recorder, scenario_name)
    recorder.close()


def test_stop_of_a_trainer_that_ignores_it_times_out_terminates_and_reports(live_servers, scenario_name):
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:ignores_stop", HRL_STOP_TIMEOUT="1.5") as server:
        recorder, child = two_episodes_in(server, scenario_name, 50)
        body = assert_error(server.post("/api/training/stop"), 500)
        assert "did not stop within 1.5 s" in body["errors"]["_schema"][0]
        assert_one_error_then_idle(server, recorder, scenario_name, "terminated")
        assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE
        recorder.close()


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_sigterm_on_the_server_stops_training_gracefully(live_servers, scenario_name, async_mode):
    with live_servers.start(async_mode=async_mode) as server:  # the real trainer
        recorder, child = two_episodes_in(server, scenario_name, 5000)
        recorder.close()
        assert server.terminate() == 0, server.log()
        assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE
        checkpoint = server.models_dir / "checkpoints" / scenario_name / "checkpoint_final"
        assert checkpoint.is_dir() and any(checkpoint.iterdir())
        history = json.loads((server.models_dir / f"{scenario_name}_history.json").read_text())
        assert history["stopped"] is True and 2 <= history["episodes_completed"] < 5000
