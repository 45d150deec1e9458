"""Unit-level tests on the app object: Flask and Socket.IO test clients, no server process (the supervisor's own
units: tests/hrl_api/training/test_supervisor.py)."""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import ANY

import pytest
from openapi_spec_validator import validate

from hrl_api.core.extensions import socketio
from hrl_api.factory import create_app
from hrl_api.training.protocol import StopFailed, SupervisorError, TrainingInProgress
from tests.api_contract import EVENTS, STATUS, assert_error, assert_fields


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
    assert body == {  # every field of the contract's status null, but for these
        **dict.fromkeys(STATUS),
        "is_training": False,
        "current_episode": 0,
        "total_episodes": 0,
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
