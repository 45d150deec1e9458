"""The whole server killed, signalled, or given a models folder it cannot write."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from hrl_trainer.store.runs import final_files, read_run, run_dir
from tests.hrl_api.model_files import assert_model_set_whole, assert_nothing_partial, digests
from tests.hrl_api.raw_engineio import leave_a_request_hanging
from tests.hrl_api.runs import SCENARIO, SHORT_RUN, complete_run, start_run
from tests.live_server import ASYNC_MODES, EventRecorder, LiveServer, gone, training_child, wait_until

LONG_RUN = {"num_episodes": 5000, "save_interval": 50}
GRACEFUL_EXIT_SECONDS = 10


def test_server_killed_mid_run_restarts_idle_with_every_model(live_servers, tmp_path):
    models = tmp_path / "shared-models"
    with live_servers.start(models) as first:
        recorder = EventRecorder(first.url)
        complete_run(first, recorder)
        before = digests(models)
        start_run(first, **LONG_RUN)
        recorder.wait_for("training_progress")
        child = training_child(first)
        first.process.kill()
        first.process.wait()
        # The orphaned child sees its pipe close, stops the graceful way and saves.
        wait_until(lambda: gone(child), 60, "the orphaned training child to exit")

    with live_servers.start(models) as second:
        status = second.status()
        assert status["is_training"] is False and status["scenario_name"] is None, status
        listed = second.get("/api/models").json()["models"]
        assert [model["scenario_name"] for model in listed] == [SCENARIO]
        assert listed[0]["files"] == {
            "high_agent": f"{SCENARIO}_high_agent.pt",
            "low_agent": f"{SCENARIO}_low_agent.pt",
            "history": f"{SCENARIO}_history.json",
            "summary": f"{SCENARIO}_run.json",
        }
        assert_model_set_whole(before, digests(models), SCENARIO)
        assert_nothing_partial(models)
        recorder = EventRecorder(second.url)
        complete_run(second, recorder)
        recorder.close()


@pytest.mark.parametrize(
    "how",
    [
        "SIGTERM beside a hanging request",
        pytest.param("SIGTERM", marks=pytest.mark.slow),
        pytest.param("Ctrl-C", marks=pytest.mark.slow),
    ],
)
def test_signal_stops_the_run_gracefully_and_exits_within_10_s(live_servers, how):
    with live_servers.start() as server:
        recorder = EventRecorder(server.url)
        start_run(server, **LONG_RUN)
        recorder.wait_for("training_progress")
        child = training_child(server)
        if how == "SIGTERM beside a hanging request":
            leave_a_request_hanging(server)
        if how.startswith("SIGTERM"):
            server.process.send_signal(signal.SIGTERM)
        else:  # a terminal's Ctrl-C signals the whole foreground process group
            server.process.send_signal(signal.SIGINT)
            child.send_signal(signal.SIGINT)
        try:
            assert server.process.wait(GRACEFUL_EXIT_SECONDS) == 0, server.log()
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not exit within {GRACEFUL_EXIT_SECONDS} s of {how}")
        assert gone(child)
        final = server.models_dir / "checkpoints" / SCENARIO / "checkpoint_final"
        assert final.is_dir()
        assert_nothing_partial(server.models_dir)
        saved = json.loads((server.models_dir / f"{SCENARIO}_history.json").read_text())
        assert saved["stopped"] is True and 1 <= saved["episodes_completed"] < LONG_RUN["num_episodes"]
        recorder.close()


PHASED_RUN = {"num_episodes": 3, "save_interval": 3, "eval_episodes": 1}
END_OF_RUN_TRIALS = 20
END_OF_RUN_SECONDS = 0.8
"""From the last episode's start to past the run's end, for `tests.fake_trainers:phased`: its last episode, held-out
evaluation, saving, exit (about 0.6 s), and the run's final event."""
FINAL_EVENTS = ("training_completed", "training_stopped", "training_error")


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_signal_as_a_run_ends_saves_it_sends_its_final_event_and_exits(live_servers, async_mode):
    """SIGTERM or Ctrl-C at a random moment of a run's end: the server exits within 10 s, with the run saved and
    its final event sent. (Under eventlet, a stop asked once the child had closed its end of the pipe, while it
    exited, hung the server, serving "running" forever; and exiting at once lost the final event.)
    Each trial's server starts while the previous trial runs."""
    rng = random.Random(7)
    with ExitStack() as servers:

        def start() -> LiveServer:
            return servers.enter_context(
                live_servers.start(async_mode=async_mode, wait=False, HRL_TRAINER_ENTRY="tests.fake_trainers:phased")
            )

        upcoming = start()
        for trial in range(END_OF_RUN_TRIALS):
            server = upcoming
            server.wait_ready()
            recorder = EventRecorder(server.url)
            try:
                run_id = start_run(server, **PHASED_RUN)["run_id"]
                if trial + 1 < END_OF_RUN_TRIALS:
                    upcoming = start()
                signal_as_the_run_ends(
                    server,
                    recorder,
                    run_id,
                    rng.uniform(0, END_OF_RUN_SECONDS),
                    rng.choice((signal.SIGTERM, signal.SIGINT)),
                    f"trial {trial}",
                )
            finally:
                recorder.close()


def signal_as_the_run_ends(
    server: LiveServer, recorder: EventRecorder, run_id: str, delay: float, signum: signal.Signals, trial: str
) -> None:
    """Send ``signum`` ``delay`` s after the run's last but one episode; check the server's exit, the run's summary
    and final files, and its one final event."""
    recorder.wait_for("training_progress", count=PHASED_RUN["num_episodes"] - 1)
    moment = f"{trial}: {signum.name} {delay:.2f} s after episode {PHASED_RUN['num_episodes'] - 1}"
    time.sleep(delay)
    server.process.send_signal(signum)
    try:
        assert server.process.wait(GRACEFUL_EXIT_SECONDS) == 0, f"{moment}\n{server.log()}"
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"{moment}: the server did not exit within {GRACEFUL_EXIT_SECONDS} s (status "
            f"{server.status()['state']})\n{server.log()}"
        )
    summary = read_run(run_id, server.models_dir)
    assert summary["status"] in ("completed", "stopped"), (moment, summary)
    assert final_files(run_dir(run_id, server.models_dir)).exists("high_agent.pt"), moment
    finals = wait_until(
        lambda: [(name, data) for name, data in recorder.events if name in FINAL_EVENTS],
        5,
        f"the run's final event ({moment}; received {recorder.names()})",
    )
    assert [(name, data["run_id"]) for name, data in finals] == [(f"training_{summary['status']}", run_id)], moment


STOP_TRIALS = 10


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_stop_as_a_run_ends_answers_and_the_run_ends_once(live_servers, async_mode):
    """POST /api/training/stop at a random moment of a run's end answers within 10 s: 200, or 400 once the run
    has ended; the run sends one final event and the server trains again. (Under eventlet it used to hang,
    request and server, when the child had closed its end of the pipe, as it does while it exits.)"""
    with live_servers.start(async_mode=async_mode, HRL_TRAINER_ENTRY="tests.fake_trainers:phased") as server:
        recorder = EventRecorder(server.url)
        rng = random.Random(11)
        for trial in range(STOP_TRIALS):
            seen = len(recorder.named("training_progress"))
            run_id = start_run(server, **PHASED_RUN)["run_id"]
            recorder.wait_for("training_progress", count=seen + PHASED_RUN["num_episodes"] - 1)
            delay = rng.uniform(0, END_OF_RUN_SECONDS)
            time.sleep(delay)
            try:
                stop = requests.post(f"{server.url}/api/training/stop", timeout=GRACEFUL_EXIT_SECONDS)
            except requests.ReadTimeout:
                pytest.fail(
                    f"trial {trial}: a stop {delay:.2f} s after episode 2 did not answer within "
                    f"{GRACEFUL_EXIT_SECONDS} s (status {server.status()['state']})"
                )
            assert stop.status_code in (200, 400), (trial, stop.text)
            finals = wait_until(
                lambda: [(n, d["run_id"]) for n, d in recorder.events if n in FINAL_EVENTS][trial:],
                10,
                f"trial {trial}'s final event",
            )
            assert [run for _, run in finals] == [run_id], (trial, finals)
            assert server.wait_idle(10)["run_id"] == run_id
        recorder.close()


DISK_FAULTS = {
    "read-only": ("ro", "Read-only file system"),
    "full": pytest.param(("size=64k", "No space left on device"), marks=pytest.mark.slow),
}


@pytest.fixture(params=DISK_FAULTS.values(), ids=DISK_FAULTS.keys())
def faulty_models(request, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A models folder on a small tmpfs, read-only or nearly full; skips where mounting is not allowed."""
    options, message = request.param
    folder = tmp_path / "faulty-models"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.decode().strip()}")
    yield folder, message
    subprocess.run(["umount", "--lazy", str(folder)], check=True)


def test_unwritable_models_folder_is_one_clear_error_and_no_partial_file(faulty_models, live_servers):
    models, message = faulty_models
    with live_servers.start(models) as server:
        recorder = EventRecorder(server.url)
        response = server.post("/api/training/start", json={**SHORT_RUN, "num_episodes": 10})
        if message == "Read-only file system":  # not even the scenario's lock can be made: refused at once
            assert response.status_code == 500 and message in json.dumps(response.json()["errors"]), response.text
            assert "training_started" not in recorder.names()
        else:
            assert response.status_code == 202, response.text
            error = recorder.wait_for("training_error", timeout=60)[0]
            assert message in error["details"], error
            assert recorder.names().count("training_error") == 1
        assert server.wait_idle(10)["is_training"] is False
        assert "training_completed" not in recorder.names()
        assert_nothing_partial(models)
        recorder.close()
