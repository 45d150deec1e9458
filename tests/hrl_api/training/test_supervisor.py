"""The embedded supervisor and its training child without a server: a recording emitter in place of
Flask-SocketIO, the child spawned as the supervisor spawns it."""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

import pytest

from hrl_api.training import embedded as supervisor_module
from hrl_api.training.child import run_training
from hrl_api.training.embedded import Run, TrainingSupervisor
from hrl_api.training.protocol import StopFailed
from tests.api_contract import assert_progress_sequence


class RecordingEmitter:
    """Stands in for Flask-SocketIO: records emits, runs background tasks in threads."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any]] = []

    def emit(self, event: str, data: Any, to: str | None = None) -> None:
        self.emitted.append((event, data))

    def start_background_task(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def test_throttled_progress_still_ends_with_last_episode_and_completion(tmp_path, scenario_name):
    emitter = RecordingEmitter()
    supervisor = TrainingSupervisor(
        emitter,
        trainer_entry="tests.fake_trainers:steady",
        models_dir=str(tmp_path),
        scenarios_dir=None,
        stop_timeout=10,
        progress_min_interval=0.3,
    )
    supervisor.start(
        {"scenario_name": scenario_name, "num_episodes": 20, "save_interval": 5, "eval_episodes": 1, "seed": None}
    )
    deadline = time.monotonic() + 60
    while supervisor.is_training and time.monotonic() < deadline:
        time.sleep(0.05)
    names = [name for name, _ in emitter.emitted]
    assert names[0] == "training_started" and names[-1] == "training_completed"
    episodes = [data["episode"] for name, data in emitter.emitted if name == "training_progress"]
    assert 2 <= len(episodes) < 20
    assert episodes == sorted(episodes) and episodes[0] == 1 and episodes[-1] == 20
    assert_progress_sequence(supervisor.progress_log()["progress"], 20)


def spawn_worker(entry: str, scenario_name: str, episodes: int, models_dir):
    """The training child as the supervisor starts it; returns (process, the parent's pipe end)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=True)
    config = {"scenario_name": scenario_name, "num_episodes": episodes, "models_dir": str(models_dir)}
    process = context.Process(target=run_training, args=(entry, config, child))
    process.start()
    child.close()
    return process, parent


def test_worker_stops_gracefully_when_the_server_goes_away(tmp_path, scenario_name):
    """The child treats a closed pipe as a stop request: it finishes and exits 0 instead of crashing."""
    process, parent = spawn_worker("tests.fake_trainers:steady", scenario_name, 10_000, tmp_path)
    messages = [parent.recv() for _ in range(2)]
    assert [(kind, payload["episode"]) for kind, payload in messages] == [("progress", 1), ("progress", 2)]
    parent.close()
    process.join(30)
    assert process.exitcode == 0


def test_worker_reports_a_bad_entry_as_one_error_message(tmp_path, scenario_name):
    process, parent = spawn_worker("tests.fake_trainers:no_such_function", scenario_name, 5, tmp_path)
    assert parent.recv() == (
        "error",
        "AttributeError: module 'tests.fake_trainers' has no attribute 'no_such_function'",
    )
    process.join(30)
    assert process.exitcode == 0
    with pytest.raises(EOFError):
        parent.recv()


@pytest.mark.parametrize("entry", ["reports_torch_threads", "real_trainer_reporting_threads"])
def test_the_training_child_trains_on_one_torch_thread(tmp_path, scenario_name, entry):
    """One core for the trainer, one for the server: the child's torch uses one thread, wherever the trainer loads
    it (torch's default here would be two, the machine's cores)."""
    process, parent = spawn_worker(f"tests.fake_trainers:{entry}", scenario_name, 5, tmp_path)
    assert parent.recv() == ("error", "TrainingError: torch threads: 1")
    process.join(30)
    assert process.exitcode == 0


class BrokenRelayEmitter(RecordingEmitter):
    """Never runs the relay, so a run's outcome never becomes known (as with a relay that hangs)."""

    def start_background_task(self, target, *args):
        return None


def test_stop_answers_failed_when_the_outcome_stays_unknown(tmp_path, scenario_name, monkeypatch):
    monkeypatch.setattr(supervisor_module, "EXIT_GRACE_SECONDS", 0.5)
    supervisor = TrainingSupervisor(  # a child that goes on, so that the stop has to end it the hard way
        BrokenRelayEmitter(),
        trainer_entry="tests.fake_trainers:ignores_stop",
        models_dir=str(tmp_path),
        scenarios_dir=None,
        stop_timeout=0.5,
    )
    supervisor.start(
        {"scenario_name": scenario_name, "num_episodes": 10_000, "save_interval": 5, "eval_episodes": 1, "seed": None}
    )
    process = supervisor._run.process
    with pytest.raises(StopFailed) as raised:
        supervisor.stop()
    assert raised.value.status == 500 and raised.value.message == "Failed to stop training"
    assert "outcome is still unknown" in raised.value.errors["_schema"][0]
    process.join(30)
    assert process.exitcode is not None and process.exitcode < 0  # terminated, then killed


def test_status_describes_one_run_even_when_the_run_changes_meanwhile(tmp_path):
    """A run starting while status() builds its answer must not mix two runs' fields."""
    finished, active = (
        Run(
            run_id=name, scenario_name=name, total_episodes=total, start_time=name, settings={}, process=None, conn=None
        )
        for name, total in (("last", 10), ("next", 20))
    )
    finished.progress.append({"episode": 10})
    finished.finished = True
    active.progress.append({"episode": 3})

    class ChangingSupervisor(TrainingSupervisor):
        reads = 0

        @property
        def _run(self):
            self.reads += 1
            return (finished, active)[self.reads % 2]

        @_run.setter
        def _run(self, _value):
            pass

    supervisor = ChangingSupervisor(
        RecordingEmitter(), trainer_entry="x:y", models_dir=str(tmp_path), scenarios_dir=None, stop_timeout=1
    )
    for _ in range(2):
        status = supervisor.status()
        described = (
            status["is_training"],
            status["scenario_name"],
            status["start_time"],
            status["current_episode"],
            status["total_episodes"],
            status["latest_progress"],
        )
        assert described in [
            (False, "last", "last", 10, 10, {"episode": 10}),
            (True, "next", "next", 3, 20, {"episode": 3}),
        ]
