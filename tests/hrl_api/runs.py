"""Starting and finishing short training runs of the real trainer on a live server."""

from __future__ import annotations

from typing import Any

from tests.live_server import EventRecorder, LiveServer

SCENARIO = "torino_single"  # the cheapest household to simulate
SHORT_RUN = {"scenario_name": SCENARIO, "num_episodes": 5, "save_interval": 5, "eval_episodes": 2, "seed": 7}


def start_run(server: LiveServer, **params: Any) -> dict[str, Any]:
    """POST a start with ``SHORT_RUN`` overridden by ``params``; asserts 202 and returns the data."""
    response = server.post("/api/training/start", json={**SHORT_RUN, **params})
    assert response.status_code == 202, response.text
    return response.json()["data"]


def complete_run(server: LiveServer, recorder: EventRecorder, **params: Any) -> dict[str, Any]:
    """Start a run and wait for its ``training_completed``; returns that event."""
    done = len(recorder.named("training_completed"))
    start_run(server, **params)
    completed = recorder.wait_for("training_completed", timeout=90, count=done + 1)[-1]
    assert completed["episodes_completed"] == params.get("num_episodes", SHORT_RUN["num_episodes"])
    server.wait_idle(10)
    return completed
