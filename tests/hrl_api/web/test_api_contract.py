"""Contract tests against a real server (``python app.py``) with the real trainer, in both async modes."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from tests.api_contract import (
    EVENTS,
    FINAL_METRICS,
    START_DATA,
    STATUS,
    STOP_DATA,
    assert_error,
    assert_fields,
    assert_progress_sequence,
)
from tests.live_server import EventRecorder

BAD_BODIES = [
    ("no body", None, "_schema"),
    ("JSON array", [], "_schema"),
    ("JSON string", "bologna", "_schema"),
    ("missing scenario_name", {"num_episodes": 5}, "scenario_name"),
    ("scenario_name not a string", {"scenario_name": 5}, "scenario_name"),
    ("scenario_name with capitals", {"scenario_name": "Bologna"}, "scenario_name"),
    ("scenario_name with a path", {"scenario_name": "../etc"}, "scenario_name"),
    ("scenario_name too long", {"scenario_name": "a" * 65}, "scenario_name"),
    ("num_episodes zero", {"scenario_name": "x", "num_episodes": 0}, "num_episodes"),
    ("num_episodes too big", {"scenario_name": "x", "num_episodes": 100_001}, "num_episodes"),
    ("num_episodes a string", {"scenario_name": "x", "num_episodes": "10"}, "num_episodes"),
    ("num_episodes a float", {"scenario_name": "x", "num_episodes": 10.5}, "num_episodes"),
    ("num_episodes a bool", {"scenario_name": "x", "num_episodes": True}, "num_episodes"),
    ("save_interval zero", {"scenario_name": "x", "save_interval": 0}, "save_interval"),
    ("eval_episodes zero", {"scenario_name": "x", "eval_episodes": 0}, "eval_episodes"),
    ("eval_episodes too big", {"scenario_name": "x", "eval_episodes": 1001}, "eval_episodes"),
    ("seed a string", {"scenario_name": "x", "seed": "42"}, "seed"),
    ("seed negative", {"scenario_name": "x", "seed": -1}, "seed"),
    ("unknown field", {"scenario_name": "x", "learning_rate": 0.1}, "learning_rate"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_start_bodies_are_400_with_field_errors(server, case, body, field):
    kwargs = {} if body is None else {"json": body}
    assert_error(server.post("/api/training/start", **kwargs), 400, field)


def test_non_json_body_is_400(server):
    response = server.post("/api/training/start", data="scenario_name=x", headers={"Content-Type": "text/plain"})
    assert_error(response, 400, "_schema")
    response = server.post("/api/training/start", data="{not json", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "_schema")


def test_unknown_scenario_is_404(server):
    assert_error(server.post("/api/training/start", json={"scenario_name": "no_such_place"}), 404, "scenario_name")


def test_stop_when_idle_is_400_and_unknown_routes_are_json(server):
    assert_error(server.post("/api/training/stop"), 400)
    assert_error(server.get("/api/does-not-exist"), 404)
    assert_error(server.get("/api/training/stop"), 405)


def concurrent_starts(server, body: dict) -> list[requests.Response]:
    """POST the same start body from two threads released at the same instant."""
    barrier = threading.Barrier(2)
    responses: list[requests.Response] = []

    def start() -> None:
        barrier.wait()
        responses.append(requests.post(f"{server.url}/api/training/start", json=body, timeout=60))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_two_concurrent_starts_give_one_run_reported_in_full(server, recorder, scenario_name):
    episodes = 8
    responses = concurrent_starts(
        server,
        {"scenario_name": scenario_name, "num_episodes": episodes, "save_interval": 4, "eval_episodes": 2, "seed": 7},
    )
    assert sorted(r.status_code for r in responses) == [202, 400]
    response = next(r for r in responses if r.status_code == 202)
    assert_error(next(r for r in responses if r.status_code == 400), 400)
    body = response.json()
    assert body["message"] == "Training started successfully" and set(body) == {"message", "data"}
    assert_fields(body["data"], START_DATA)
    assert body["data"]["status"] == "started" and body["data"]["num_episodes"] == episodes

    completed = recorder.wait_for("training_completed")[0]
    names = [name for name in recorder.names() if name != "training_diagnostics"]  # an addition (issue 22)
    assert names[:3] == ["connection_established", "training_status", "training_started"]
    assert names[3:] == ["training_progress"] * episodes + ["training_completed"]
    assert len(recorder.named("training_diagnostics")) == 2 * 2  # two agents, two updates (save_interval 4)
    for name, data in recorder.events:
        assert_fields(data, EVENTS[name])
    started = recorder.named("training_started")[0]
    assert started == {k: body["data"][k] for k in ("scenario_name", "num_episodes", "start_time", "run_id")}
    progress = recorder.named("training_progress")
    assert_progress_sequence(progress, episodes)
    assert completed["scenario_name"] == scenario_name and completed["episodes_completed"] == episodes
    assert_fields(completed["final_metrics"], FINAL_METRICS, exact=False)

    status = server.wait_idle()
    assert_fields(status, STATUS)
    assert status["current_episode"] == episodes and status["total_episodes"] == episodes
    assert status["latest_progress"] == progress[-1]
    assert status["settings"] == {"num_episodes": episodes, "save_interval": 4, "eval_episodes": 2, "seed": 7}
    assert (status["outcome"], status["error"]) == ("completed", None)
    assert server.get("/api/training/progress").json()["progress"] == progress
    assert server.get("/api/training/progress?since=6").json()["progress"] == progress[6:]

    models = server.get("/api/models").json()["models"]
    model = next(m for m in models if m["scenario_name"] == scenario_name)
    assert model["episodes_completed"] == episodes
    for kind, file_name in model["files"].items():
        assert (server.models_dir / file_name).is_file(), kind
    assert (server.models_dir / "checkpoints" / scenario_name / "checkpoint_final").is_dir()
    history = server.get(f"/api/models/{scenario_name}/history").json()
    assert history["episodes_completed"] == episodes and history["stopped"] is False
    assert [p["episode"] for p in history["progress"]] == list(range(1, episodes + 1))
    on_disk = json.loads((server.models_dir / model["files"]["history"]).read_text())
    assert on_disk["final_metrics"] == history["final_metrics"]


def test_a_damaged_history_is_a_clear_500_and_leaves_the_model_list_working(server):
    server.models_dir.mkdir(parents=True, exist_ok=True)
    (server.models_dir / "damaged_one_history.json").write_bytes(b'{"scenario_name": "damaged_one", "progr')
    body = assert_error(server.get("/api/models/damaged_one/history"), 500, "name")
    assert "damaged_one" in body["message"] and "unreadable" in body["message"]
    assert "damaged_one" not in [m["scenario_name"] for m in server.get_json("/api/models")["models"]]


def test_stop_mid_run_saves_then_next_start_is_accepted(server, recorder, scenario_name):
    total = 5000
    assert (
        server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": total}).status_code
        == 202
    )
    early = server.status()
    assert early["is_training"] is True and early["total_episodes"] == total
    assert early["settings"] == {"num_episodes": total, "save_interval": 100, "eval_episodes": 10, "seed": None}
    assert early["outcome"] is None
    assert (early["latest_progress"] is None) == (early["current_episode"] == 0)
    recorder.wait_for("training_progress", count=2)
    assert_error(server.post("/api/training/start", json={"scenario_name": scenario_name}), 400)

    mid = server.status()
    assert mid["is_training"] is True and mid["current_episode"] >= 2
    assert_fields(mid["latest_progress"], EVENTS["training_progress"])
    late = EventRecorder(server.url)  # a client that connects mid-run catches up at once
    try:
        caught_up = late.named("training_status")[0]
        assert caught_up["is_training"] is True and caught_up["scenario_name"] == scenario_name
        assert caught_up["latest_progress"]["episode"] >= 2
    finally:
        late.close()

    response = server.post("/api/training/stop")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Training stopped successfully"
    assert_fields(body["data"], STOP_DATA)
    data = body["data"]
    assert data["status"] == "stopped" and data["scenario_name"] == scenario_name and data["total_episodes"] == total
    assert 2 <= data["episodes_completed"] < total
    checkpoint = server.models_dir / "checkpoints" / scenario_name / "checkpoint_final"
    assert checkpoint.is_dir() and any(checkpoint.iterdir())
    after = server.status()
    assert after["is_training"] is False and after["outcome"] == "stopped"

    stopped = recorder.wait_for("training_stopped")[0]
    publication = stopped.pop("publication")  # an addition (issue 22): the stopped run published itself
    assert stopped == {
        "scenario_name": scenario_name,
        "episodes_completed": data["episodes_completed"],
        "run_id": data["run_id"],
    }
    assert (publication["run_id"], publication["reason"]) == (data["run_id"], "stopped")
    assert_progress_sequence(recorder.named("training_progress"), total, upto=data["episodes_completed"])
    assert "training_completed" not in recorder.names()
    history = server.get(f"/api/models/{scenario_name}/history").json()
    assert history["stopped"] is True and history["episodes_completed"] == data["episodes_completed"]

    again = server.post("/api/training/start", json={"scenario_name": scenario_name, "num_episodes": 3})
    assert again.status_code == 202, again.text
    assert recorder.wait_for("training_completed")[0]["episodes_completed"] == 3
