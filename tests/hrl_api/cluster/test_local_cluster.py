"""`make cluster` (``python -m hrl_api.cluster.local``) as a user runs it: started from a terminal, ended by
Ctrl-C (SIGINT to its process group) or SIGTERM, with the real trainer; its runs must survive the shutdown."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hrl_api.cluster.local import ABORTED_EXIT
from hrl_trainer.store.runs import FINAL_FILES
from tests.hrl_api.cluster.harness import LocalClusterServer
from tests.live_server import REPO, EventRecorder, LiveServers, wait_until

LONG = 3000
"""Episodes of a run that a test stops: tens of seconds of the real trainer, stopped within its first second."""
FINALS = ("training_completed", "training_stopped", "training_error")


pytestmark = pytest.mark.usefixtures("redis_server")


def events_of(recorder: EventRecorder, run_id: str) -> list[tuple[str, dict]]:
    return [
        (name, data) for name, data in list(recorder.events) if isinstance(data, dict) and data.get("run_id") == run_id
    ]


def assert_stopped_and_saved(models: Path, run_id: str, recorder: EventRecorder) -> dict:
    """The run ended ``stopped`` after some episodes, told the client so, and saved what resume needs."""
    finals = [(name, data) for name, data in events_of(recorder, run_id) if name in FINALS]
    assert [name for name, _ in finals] == ["training_stopped"], events_of(recorder, run_id)[-3:]
    folder = models / "runs" / run_id
    summary = json.loads((folder / "run.json").read_text())
    assert summary["status"] == "stopped"
    assert 0 < summary["episodes_completed"] - summary["episode_offset"] < LONG
    assert finals[0][1]["episodes_completed"] == summary["episodes_completed"]
    assert (folder / "checkpoints" / "checkpoint_final").is_dir()
    assert all((folder / name).stat().st_size > 0 for name in FINAL_FILES)
    return summary


def training(cluster: LocalClusterServer, recorder: EventRecorder, scenario: str, **fields) -> dict:
    run = cluster.start_run(scenario, LONG, **fields)
    assert run["status"] == "started"
    wait_until(
        lambda: [name for name, _ in events_of(recorder, run["run_id"]) if name == "training_progress"],
        60,
        f"progress of {run['run_id']}",
    )
    return run


def test_ctrl_c_and_sigterm_stop_the_runs_gracefully_and_they_resume(live_servers: LiveServers, tmp_path: Path) -> None:
    models = tmp_path / "models"
    # Ctrl-C: the running run finishes its batch and saves, the queued one is cancelled; a client hears both.
    with live_servers.start(models, kind=LocalClusterServer) as first:
        recorder = EventRecorder(first.url)
        running = training(first, recorder, "bologna_coppia")
        queued = first.start_run("milano_junior", LONG)
        assert queued["status"] == "queued"
        first.ctrl_c()
        assert first.process.wait(90) == 0, first.log()
        assert_stopped_and_saved(models, running["run_id"], recorder)
        assert [
            (name, data["episodes_completed"])
            for name, data in events_of(recorder, queued["run_id"])
            if name != "training_queued"
        ] == [("training_stopped", 0)]
        assert not first.parts_running()
        worker_log = (first.log_dir / "worker1.log").read_text()  # the logs outlive the cluster
        assert "Warm shutdown" in worker_log and "WorkerLostError" not in worker_log
        assert (first.log_dir / "web.log").exists() and (first.log_dir / "redis.log").exists()
        assert str(first.log_dir) in first.log()

    # SIGTERM (`kill` of its process) on a second cluster, which resumes the first run.
    with live_servers.start(models, kind=LocalClusterServer) as second:
        recorder = EventRecorder(second.url)
        resumed = training(second, recorder, "bologna_coppia", resume_from=running["run_id"])
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(90) == 0, second.log()
        assert assert_stopped_and_saved(models, resumed["run_id"], recorder)["parent"] == running["run_id"]

    # The embedded server resumes what the SIGTERM saved (trains on from it; stopped through the API).
    with live_servers.start(models) as server:
        response = server.post(
            "/api/training/start",
            json={"scenario_name": "bologna_coppia", "num_episodes": LONG, "resume_from": resumed["run_id"]},
        )
        assert response.status_code == 202, response.text
        offset = json.loads((models / "runs" / resumed["run_id"] / "run.json").read_text())["episodes_completed"]
        wait_until(lambda: server.status()["current_episode"] > offset, 60, "the resumed run training on")
        stopped = server.post("/api/training/stop")
        assert stopped.status_code == 200 and stopped.json()["data"]["status"] == "stopped", stopped.text
        summary = json.loads((models / "runs" / response.json()["data"]["run_id"] / "run.json").read_text())
        assert summary["parent"] == resumed["run_id"] and summary["episode_offset"] == offset


def test_a_second_ctrl_c_kills_every_part_at_once(live_servers: LiveServers, tmp_path: Path) -> None:
    """A run that never stops (a trainer ignoring the stop): the first Ctrl-C waits for it, the second ends all."""
    with live_servers.start(
        tmp_path / "models", kind=LocalClusterServer, HRL_TRAINER_ENTRY="tests.fake_trainers:ignores_stop"
    ) as cluster:
        recorder = EventRecorder(cluster.url)
        run = cluster.start_run("bologna_coppia", LONG)
        wait_until(lambda: events_of(recorder, run["run_id"]), 60, "the run's first event")
        cluster.ctrl_c()
        wait_until(lambda: "Stopping" in cluster.log(), 30, "the graceful stop under way")
        time.sleep(1.0)
        assert cluster.process.poll() is None  # still waiting for the run
        cluster.ctrl_c()
        aborted = time.monotonic()
        assert cluster.process.wait(30) == ABORTED_EXIT
        assert time.monotonic() - aborted < 10
        assert not cluster.parts_running()


def test_the_web_port_taken_exits_non_zero_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "hrl_api.cluster.local",
                "--workers",
                "1",
                "--port",
                str(port),
                "--models-dir",
                str(tmp_path / "models"),
                "--log-dir",
                str(tmp_path / "logs"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr
    assert "Redis on" not in result.stdout and not (tmp_path / "logs").exists()  # nothing was started
    assert time.monotonic() - started < 20


def test_make_cluster_serves_a_cluster_and_ctrl_c_stops_every_part(live_servers: LiveServers, tmp_path: Path) -> None:
    """What `make cluster` runs: redis-server, a worker and a web process; Ctrl-C ends them all."""
    with live_servers.start(tmp_path / "models", kind=LocalClusterServer) as cluster:
        up = cluster.get_json("/api/health")
        assert up["mode"] == "cluster" and up["broker"] == "up"
        assert any("redis-server" in " ".join(part.cmdline()) for part in cluster.parts)
        cluster.ctrl_c()
        assert cluster.process.wait(60) == 0
        wait_until(lambda: not cluster.parts_running(), 30, "every part of the demo gone")
        assert "Redis on redis://127.0.0.1:" in cluster.log()
