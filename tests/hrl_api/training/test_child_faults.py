"""Faults of the training child: SIGKILL at chosen moments (including in the middle of writing a
file and between the moves that put a set of files in place) and a stop request racing with the end
of the run.

After a kill: readers see every set of files (the model files, each checkpoint folder) whole, the
previous one or the new one, and every file they see loads; nothing the previous run saved is gone;
the error is reported exactly once; the server is idle and trains again, and that next run starts by
tidying up, so afterwards nothing temporary is left.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.hrl_api.model_files import (
    assert_model_set_whole,
    assert_nothing_partial,
    assert_runs_kept,
    digests,
    reader_digests,
)
from tests.hrl_api.runs import SCENARIO, complete_run, start_run
from tests.hrl_api.training.fault_trainers import pause_writes
from tests.live_server import EventRecorder, LiveServers, gone, training_child, wait_until
from tests.live_server import LiveServer as Server

KILLED_RUN = {"num_episodes": 20, "save_interval": 10}
WRITE_PAUSE = 0.2
"""Seconds every write of a watched run stops half way (runs nobody kills or stops mid-save write at full speed)."""
STOP_ANSWER_SECONDS = 30  # the final save takes a few seconds with paused writes; the bug hung >100 s
FINAL_EVENTS = ("training_error", "training_completed", "training_stopped")
FAULT_TRAINER = "tests.hrl_api.training.fault_trainers:slow_writes"


@pytest.fixture(scope="module")
def fault_server(live_servers: LiveServers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose trainer pauses in the middle of every file write for ``server.write_pause_file``'s
    seconds (`fault_trainers.pause_writes`; 0 to begin with), with one model already trained."""
    pause_file = tmp_path_factory.mktemp("fault") / "write_pause"
    pause_writes(pause_file, 0)
    with live_servers.start(HRL_TRAINER_ENTRY=FAULT_TRAINER, HRL_TEST_WRITE_PAUSE_FILE=str(pause_file)) as server:
        server.write_pause_file = pause_file
        recorder = EventRecorder(server.url)
        complete_run(server, recorder)
        recorder.close()
        yield server


@pytest.fixture
def server(fault_server: Server) -> Server:
    """The module's fault server, the one the fixture `recorder` subscribes to."""
    return fault_server


def temp_files(folder: Path) -> list[Path]:
    return list(folder.rglob(".*.tmp")) if folder.exists() else []


Moment = Callable[[Path, EventRecorder], object]
MOMENTS: dict[str, Moment] = {
    "after_first_episodes": lambda models, recorder: recorder.named("training_progress"),
    "writing_a_checkpoint": lambda models, recorder: temp_files(models / "runs"),
    "writing_the_final_model": lambda models, recorder: list(models.glob(f".{SCENARIO}.*.tmp/*_low_agent.pt")),
    "moving_the_final_model": lambda models, recorder: [  # the new Strategist is in place, the rest is not
        commit for commit in models.glob(f".{SCENARIO}.*.commit") if not (commit / f"{SCENARIO}_high_agent.pt").exists()
    ],
}


DURING_TRAINING = {"after_first_episodes", "writing_a_checkpoint"}


def kill_child_and_check(
    server: Server, recorder: EventRecorder, moment: Moment, training_moment: bool = False
) -> None:
    """Start a run, SIGKILL its child once ``moment`` holds (``training_moment``: surely before the run
    finished, so the run must end up failed), and check that nothing was lost."""
    before = digests(server.models_dir)  # a tidy folder: readers see exactly these files
    pause_writes(server.write_pause_file, WRITE_PAUSE)
    run_id = start_run(server, **KILLED_RUN)["run_id"]
    child = training_child(server)
    wait_until(lambda: moment(server.models_dir, recorder), 60, "the moment to kill")
    child.kill()
    error = recorder.wait_for("training_error", timeout=30)[0]
    assert "SIGKILL" in error["details"], error
    time.sleep(0.3)  # a duplicate or late final event would arrive here
    assert [name for name in recorder.names() if name in FINAL_EVENTS] == ["training_error"]
    assert server.wait_idle(10)["is_training"] is False
    assert wait_until(lambda: gone(child), 10, "the killed child to be reaped")
    seen = reader_digests(server.models_dir, SCENARIO)
    assert set(before) <= set(seen), f"lost: {sorted(set(before) - set(seen))}"
    assert_model_set_whole(before, seen, SCENARIO)
    assert_runs_kept(before, seen)
    killed = server.get_json(f"/api/runs/{run_id}")  # marked failed when read; the lock died with the child
    if killed["status"] == "completed":  # killed while publishing: the run itself had finished, whole
        assert server.get(f"/api/runs/{run_id}/archive").status_code == 200
        assert not training_moment, killed
    else:
        assert killed["status"] == "failed" and killed["published"] is False, killed
    pause_writes(server.write_pause_file, 0)
    complete_run(server, recorder)  # a new start is accepted, tidies up and trains to the end
    assert_nothing_partial(server.models_dir)


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_of_the_training_child_loses_nothing(fault_server, recorder, moment):
    kill_child_and_check(fault_server, recorder, MOMENTS[moment], moment in DURING_TRAINING)


def random_moment(seed: int) -> Moment:
    """A random episode of the killed run, then a random part of a second: the kill lands in an
    episode, an evaluation or the middle of a (paused) write, and always while the run still lives
    (its final save alone lasts longer than the extra delay)."""
    rng = random.Random(seed)
    episode, extra = rng.randint(1, KILLED_RUN["num_episodes"]), rng.uniform(0.0, 0.6)
    reached: list[float] = []

    def moment(models: Path, recorder: EventRecorder) -> bool:
        if not reached and len(recorder.named("training_progress")) >= episode:
            reached.append(time.monotonic())
        return bool(reached) and time.monotonic() - reached[0] >= extra

    return moment


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(24))
def test_sigkill_at_a_random_moment_loses_nothing(fault_server, recorder, seed):
    kill_child_and_check(fault_server, recorder, random_moment(seed))


def test_stop_after_the_last_episode_while_saving_answers_promptly(fault_server, recorder):
    pause_writes(fault_server.write_pause_file, WRITE_PAUSE)
    start_run(fault_server, num_episodes=10, save_interval=10)
    recorder.wait_for("training_progress", count=10, timeout=60)
    wait_until(lambda: list(fault_server.models_dir.glob("runs/*/.final.*.tmp")), 60, "the final save")
    try:
        response = requests.post(f"{fault_server.url}/api/training/stop", timeout=STOP_ANSWER_SECONDS)
    except requests.ReadTimeout:
        pytest.fail(f"/api/training/stop did not answer within {STOP_ANSWER_SECONDS} s")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["episodes_completed"] == 10
    # the final event travels by Socket.IO and may arrive just after the HTTP answer
    wait_until(lambda: [name for name in recorder.names() if name in FINAL_EVENTS], 10, "the final event")
    time.sleep(0.3)  # a duplicate would arrive here
    finals = [name for name in recorder.names() if name in FINAL_EVENTS]
    assert len(finals) == 1 and finals[0] != "training_error", finals
    assert fault_server.wait_idle(10)["is_training"] is False
    assert_nothing_partial(fault_server.models_dir)
