"""Unit-level tests on the app object: Flask and Socket.IO test clients, no server process."""

from __future__ import annotations

import multiprocessing
import re
import threading
import time
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from api_contract import EVENTS, STATUS, assert_error, assert_fields, assert_progress_sequence
from openapi_spec_validator import validate

from hrl_api.core.extensions import socketio
from hrl_api.factory import create_app
from hrl_api.training import embedded as supervisor_module
from hrl_api.training.child import run_training
from hrl_api.training.embedded import Run, StopFailed, SupervisorError, TrainingInProgress, TrainingSupervisor


@pytest.fixture
def app(tmp_path: Path):
    app = create_app({"TESTING": True, "MODELS_DIR": tmp_path / "models", "ASYNC_MODE": "threading"})

    @app.get("/api/_boom")
    def boom():
        raise ZeroDivisionError("secret internals")

    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_status_when_idle_is_the_spec_body_with_nulls(client):
    response = client.get("/api/training/status")
    assert response.status_code == 200
    body = response.get_json()
    assert_fields(body, STATUS)
    assert body == {
        "is_training": False,
        "run_id": None,
        "scenario_name": None,
        "current_episode": 0,
        "total_episodes": 0,
        "start_time": None,
        "latest_progress": None,
        "settings": None,
        "outcome": None,
        "error": None,
        "state": None,
    }


def test_stop_when_idle_is_400(client):
    assert_error(client.post("/api/training/stop"), 400)


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/nowhere", "get", 404),
        ("/nowhere", "get", 404),
        ("/api/training/start", "get", 405),
        ("/api/training/status", "delete", 405),
        ("/api/_boom", "get", 500),
    ],
)
def test_http_errors_are_json_without_internals(client, path, method, status):
    response = getattr(client, method)(path)
    body = assert_error(response, status)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    if status == 405:
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
    assert body["errors"] == {}


def test_health(client):
    assert client.get("/api/health").get_json() == {
        "status": "ok",
        "async_mode": "threading",
        "is_training": False,
        "mode": "embedded",
    }


def test_policy_looks_are_served_from_the_one_table(client):
    """GET /api/policies is the table the printable report uses, and names every policy a simulation has."""
    from hrl_trainer.use.policy_looks import OTHER_COLOR, POLICY_LOOKS, SAFETY_BUFFER
    from hrl_trainer.use.simulations import POLICIES

    response = client.get("/api/policies")
    assert response.status_code == 200
    body = response.get_json()
    assert [p["name"] for p in body["policies"]] == list(POLICY_LOOKS) and set(POLICY_LOOKS) == set(POLICIES)
    assert body["policies"][0] == {"name": "hrl", "label": "Trained model", "color": POLICY_LOOKS["hrl"].color}
    assert all(re.fullmatch(r"#[0-9a-f]{6}", p["color"]) for p in body["policies"])
    assert len({p["color"] for p in body["policies"]}) == len(POLICY_LOOKS)
    assert body["other_color"] == OTHER_COLOR
    assert body["safety_buffer"] == {"label": SAFETY_BUFFER.label, "color": SAFETY_BUFFER.color}


def test_scenarios_list_and_detail(client, scenario_name):
    listed = client.get("/api/scenarios").get_json()["scenarios"]
    names = [s["name"] for s in listed]
    assert names == sorted(names) and scenario_name in names
    for summary in listed:
        assert_fields(
            summary,
            {
                "name": str,
                "description": str,
                "monthly_income": (int, float),
                "fixed_expenses": (int, float),
                "variable_expenses_mean": (int, float),
                "monthly_expenses": (int, float),
                "monthly_margin": (int, float),
                "read_only": bool,
            },
        )
        assert summary["monthly_expenses"] == pytest.approx(
            summary["fixed_expenses"] + summary["variable_expenses_mean"]
        )
        assert summary["monthly_margin"] == pytest.approx(summary["monthly_income"] - summary["monthly_expenses"])
    detail = client.get(f"/api/scenarios/{scenario_name}").get_json()
    summary = next(s for s in listed if s["name"] == scenario_name)
    assert {k: detail[k] for k in summary} == summary
    assert "months" in detail and "initial_cash" in detail


@pytest.mark.parametrize(("name", "status"), [("no_such_scenario", 404), ("Bad.Name", 400)])
def test_scenario_lookup_errors(client, name, status):
    assert_error(client.get(f"/api/scenarios/{name}"), status, "name")


def test_models_empty_and_history_errors(client):
    assert client.get("/api/models").get_json() == {"models": []}
    assert_error(client.get("/api/models/never_trained/history"), 404, "name")
    assert_error(client.get("/api/models/NOT-valid/history"), 400, "name")


def test_progress_log_when_idle_and_bad_query(client):
    assert client.get("/api/training/progress").get_json() == {"run_id": None, "scenario_name": None, "progress": []}
    assert_error(client.get("/api/training/progress?since=-1"), 400, "since")
    assert_error(client.get("/api/training/progress?bogus=1"), 400, "bogus")


def test_openapi_document_is_valid_and_lists_every_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "_boom" or rule.rule == "/api/_boom":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    start = document["paths"]["/api/training/start"]["post"]
    assert set(start["responses"]) == {"202", "400", "401", "404", "409", "413", "500", "503"}
    stop = document["paths"]["/api/training/stop"]["post"]
    assert set(stop["responses"]) == {"200", "400", "401", "413", "500", "503"}
    for operation in (start, stop):
        assert operation["security"] == [{}, {"ApiToken": []}]  # optional: only with HRL_API_TOKEN
    assert document["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": ANY,
    }
    responses = document["components"]["responses"]
    for name in ("BadRequest", "Unauthorized", "NotFound", "PayloadTooLarge", "ServerError"):
        assert responses[name]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    request_schema = document["components"]["schemas"]["StartTrainingRequest"]
    assert request_schema["required"] == ["scenario_name"]


def test_socket_connect_and_subscribe_answer_with_status(app):
    sio = socketio.test_client(app, flask_test_client=app.test_client())
    received = sio.get_received()
    assert [m["name"] for m in received] == ["connection_established"]
    assert_fields(received[0]["args"][0], EVENTS["connection_established"])
    ack = sio.emit("subscribe_training", {}, callback=True)
    assert_fields(ack, STATUS)
    received = sio.get_received()
    assert [m["name"] for m in received] == ["training_status"]
    assert received[0]["args"][0] == ack
    sio.disconnect()


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
        trainer_entry="api_fake_trainers:steady",
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
    process, parent = spawn_worker("api_fake_trainers:steady", scenario_name, 10_000, tmp_path)
    messages = [parent.recv() for _ in range(2)]
    assert [(kind, payload["episode"]) for kind, payload in messages] == [("progress", 1), ("progress", 2)]
    parent.close()
    process.join(30)
    assert process.exitcode == 0


def test_worker_reports_a_bad_entry_as_one_error_message(tmp_path, scenario_name):
    process, parent = spawn_worker("api_fake_trainers:no_such_function", scenario_name, 5, tmp_path)
    assert parent.recv() == ("error", "AttributeError: module 'api_fake_trainers' has no attribute 'no_such_function'")
    process.join(30)
    assert process.exitcode == 0
    with pytest.raises(EOFError):
        parent.recv()


@pytest.mark.parametrize("entry", ["reports_torch_threads", "real_trainer_reporting_threads"])
def test_the_training_child_trains_on_one_torch_thread(tmp_path, scenario_name, entry):
    """One core for the trainer, one for the server: the child's torch uses one thread, wherever the trainer loads
    it (torch's default here would be two, the machine's cores)."""
    process, parent = spawn_worker(f"api_fake_trainers:{entry}", scenario_name, 5, tmp_path)
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
        trainer_entry="api_fake_trainers:ignores_stop",
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


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (type("Subclass", (TrainingInProgress,), {}), 400),
        (type("Conflict", (SupervisorError,), {"status": 409}), 409),
        (SupervisorError, 500),
        (StopFailed, 500),
    ],
)
def test_supervisor_errors_answer_the_status_of_their_class(app, error, status):
    @app.get("/api/_raise")
    def raise_it():
        raise error("Refused", {"field": ["why"]})

    response = app.test_client().get("/api/_raise")
    body = assert_error(response, status, "field")
    assert body == {"message": "Refused", "errors": {"field": ["why"]}}


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
