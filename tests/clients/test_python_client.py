"""examples/python_client.py against a real server: every event, in order, with well-typed fields."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.api_contract import EVENTS, FINAL_METRICS, START_DATA, STATUS, assert_fields, assert_progress_sequence
from tests.live_server import REPO


def run_client(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "examples/python_client.py", "--url", server.url, "--json", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_python_client_sees_the_whole_run(live_servers, scenario_name):
    episodes = 6
    done = run_client(
        live_servers.shared(),
        "--scenario",
        scenario_name,
        "--episodes",
        str(episodes),
        "--seed",
        "3",
        "--save-interval",
        "3",
        "--eval-episodes",
        "2",
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    names = [line["event"] for line in lines]
    # The REST answer and the first Socket.IO events race each other; the events keep their order.
    assert names.count("start_response") == 1 and names.index("start_response") > names.index("training_status")
    assert [name for name in names if name != "start_response"] == (
        ["connection_established", "training_status", "training_started"]
        + ["training_progress"] * episodes
        + ["training_completed"]
    )
    by_name = {line["event"]: line["data"] for line in lines}
    assert_fields(by_name["connection_established"], EVENTS["connection_established"])
    assert_fields(by_name["training_status"], STATUS)
    assert by_name["training_status"]["is_training"] is False
    start = by_name["start_response"]
    assert start["status_code"] == 202 and start["message"] == "Training started successfully"
    assert_fields(start["data"], START_DATA)
    assert_fields(by_name["training_started"], EVENTS["training_started"])
    assert by_name["training_started"]["start_time"] == start["data"]["start_time"]
    assert_progress_sequence([line["data"] for line in lines if line["event"] == "training_progress"], episodes)
    completed = by_name["training_completed"]
    assert_fields(completed, EVENTS["training_completed"])
    assert completed["episodes_completed"] == episodes and completed["scenario_name"] == scenario_name
    assert_fields(completed["final_metrics"], FINAL_METRICS, exact=False)


def test_python_client_reports_a_rejected_start(live_servers):
    done = run_client(live_servers.shared(), "--scenario", "no_such_scenario", "--episodes", "5")
    assert done.returncode == 1
    start = json.loads(done.stdout.splitlines()[-1])
    assert start["event"] == "start_response" and start["data"]["status_code"] == 404
