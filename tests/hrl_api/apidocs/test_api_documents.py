"""The machine-readable documents: OpenAPI's servers and tags, and the AsyncAPI document of the
Socket.IO events, checked in its structure and against every event real runs send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hrl_api.factory import create_app
from hrl_api.schemas import training as schemas
from hrl_api.training.protocol import IDLE_STATUS
from tests.live_server import EventRecorder, EventValidator, LiveServer, assert_events_match

SERVER_EVENTS = {
    "connection_established",
    "training_status",
    "training_queued",
    "training_started",
    "training_progress",
    "training_diagnostics",  # issue 22
    "training_completed",
    "training_stopped",
    "training_error",
}
CLIENT_EVENTS = {"subscribe_training"}


@pytest.fixture
def client(tmp_path: Path):
    return create_app({"TESTING": True, "MODELS_DIR": tmp_path / "models", "ASYNC_MODE": "threading"}).test_client()


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The node that a local ``#/a/b`` reference points at."""
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


# -- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_names_this_server_and_tags_every_operation(client):
    document = client.get("/api/openapi.json", base_url="http://127.0.0.1:8123").get_json()
    assert document["servers"] == [{"url": "http://127.0.0.1:8123", "description": "This server"}]
    declared = [tag["name"] for tag in document["tags"]]
    assert declared == ["training", "scenarios", "models", "simulations", "runs", "system", "docs"]
    assert all(tag["description"] for tag in document["tags"])
    used = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert len(operation.get("tags", [])) == 1, (method, path)
            used.update(operation["tags"])
    assert used == set(declared)
    assert document["paths"]["/api/docs"]["get"]["tags"] == ["docs"]
    assert document["paths"]["/api/asyncapi.json"]["get"]["tags"] == ["docs"]


@pytest.mark.parametrize("host", ["a b", "<script>", "127.0.0.1:99999", "é.com"])
def test_an_invalid_host_header_names_the_listening_address(client, host):
    """Werkzeug drops a Host header it finds invalid; the documents then name the listening address."""
    openapi = client.get("/api/openapi.json", headers={"Host": host})
    assert openapi.status_code == 200
    assert openapi.get_json()["servers"][0]["url"] == "http://localhost:80"  # the test client's address
    asyncapi = client.get("/api/asyncapi.json", headers={"Host": host})
    assert asyncapi.get_json()["servers"]["this"]["host"] == "localhost:80"


def test_docs_page_loads_the_vendored_swagger_ui_over_the_openapi_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'data-openapi-url="/api/openapi.json"' in page
    for asset in (
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/css/api-docs.css",
        "/static/js/api-docs.js",
    ):
        assert f'"{asset}"' in page
        assert client.get(asset).status_code == 200
    assert "<script>" not in page and "http://" not in page and "https://" not in page
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)


# -- AsyncAPI: structure -------------------------------------------------------------------------


def test_asyncapi_document_describes_every_event(client):
    response = client.get("/api/asyncapi.json", base_url="http://127.0.0.1:8123")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == {
        "this": {
            "host": "127.0.0.1:8123",
            "protocol": "ws",
            "pathname": "/socket.io",
            "description": "Socket.IO (engine.io v4: HTTP long-polling, upgraded to a WebSocket)",
        }
    }
    assert document["defaultContentType"] == "application/json"

    messages = document["components"]["messages"]
    assert set(messages) == SERVER_EVENTS | CLIENT_EVENTS
    for name, message in messages.items():
        assert message["name"] == name and message["summary"]
        assert isinstance(resolve(document, message["payload"]["$ref"]), dict)

    (channel,) = document["channels"].values()
    assert channel["address"] == "/"
    assert {name: ref["$ref"] for name, ref in channel["messages"].items()} == {
        name: f"#/components/messages/{name}" for name in messages
    }

    actions = {}
    for operation in document["operations"].values():
        assert resolve(document, operation["channel"]["$ref"]) is channel
        for ref in operation["messages"]:
            assert ref["$ref"].startswith("#/channels/")  # AsyncAPI 3: an operation's messages are its channel's
            actions[resolve(document, ref["$ref"])["$ref"].rsplit("/", 1)[1]] = operation["action"]
    assert actions == {**dict.fromkeys(SERVER_EVENTS, "send"), **dict.fromkeys(CLIENT_EVENTS, "receive")}
    reply = document["operations"]["subscribe_training"]["reply"]
    assert [ref["$ref"] for ref in reply["messages"]] == ["#/channels/training/messages/training_status"]


def test_asyncapi_payloads_are_the_marshmallow_schemas_and_stay_open(client):
    document = client.get("/api/asyncapi.json").get_json()
    payloads = document["components"]["schemas"]
    for name, schema in [
        ("TrainingProgress", schemas.TrainingProgress),
        ("TrainingStatus", schemas.TrainingStatus),
        ("TrainingCompleted", schemas.TrainingCompleted),
        ("TrainingError", schemas.TrainingError),
    ]:
        assert set(payloads[name]["properties"]) == set(schema().fields), name
    assert "'additionalProperties': False" not in str(payloads)  # (a free-form object such as held_out is open too)
    assert payloads["TrainingStatus"]["properties"]["latest_progress"] == {
        "anyOf": [{"$ref": "#/components/schemas/TrainingProgress"}, {"type": "null"}]
    }

    validator = EventValidator(document)
    progress = {
        "episode": 1,
        "total_episodes": 3,
        "avg_reward": 1.5,
        "avg_duration": 120,
        "avg_cash": 10.0,
        "avg_invested": 0.0,
        "stability": 1.0,
        "goal_adherence": 0.2,
        "elapsed_time": 0.4,
    }
    assert validator.errors("training_progress", progress) == []
    assert validator.errors("training_progress", {**progress, "run_id": "r1"}) == []  # events only gain fields
    assert validator.errors("training_progress", {k: v for k, v in progress.items() if k != "episode"})
    assert validator.errors("training_progress", {**progress, "episode": "1"})
    spec_fields = ("is_training", "scenario_name", "current_episode", "total_episodes", "start_time", "latest_progress")
    idle = {field: IDLE_STATUS[field] for field in spec_fields}  # the spec's fields only
    assert idle == {field: None for field in spec_fields} | {
        "is_training": False,
        "current_episode": 0,
        "total_episodes": 0,
    }
    assert validator.errors("training_status", idle) == []
    running = {"is_training": True, "scenario_name": "x", "current_episode": 1, "total_episodes": 3, "start_time": "t"}
    assert validator.errors("training_status", {**idle, **running, "latest_progress": {}})
    assert validator.errors("training_error", {"message": "Training failed"})


# -- AsyncAPI: every event real runs send ---------------------------------------------------------


def test_every_event_of_real_runs_matches_the_document(server: LiveServer):
    """A run that completes and one that is stopped, with the real trainer, in both async modes."""
    recorder = EventRecorder(server.url)
    try:
        started = server.post(
            "/api/training/start",
            json={
                "scenario_name": "torino_single",
                "num_episodes": 3,
                "save_interval": 3,
                "eval_episodes": 1,
                "seed": 1,
            },
        )
        assert started.status_code == 202, started.text
        recorder.wait_for("training_completed", timeout=120)
        server.wait_idle()
        started = server.post(
            "/api/training/start",
            json={
                "scenario_name": "torino_single",
                "num_episodes": 5000,
                "save_interval": 5000,
                "eval_episodes": 1,
                "seed": 1,
            },
        )
        assert started.status_code == 202, started.text
        recorder.wait_for("training_progress", timeout=120, count=4)
        assert server.post("/api/training/stop").status_code == 200
        recorder.wait_for("training_stopped", timeout=120)
        names = assert_events_match(server, recorder)
    finally:
        recorder.close()
    assert names == SERVER_EVENTS - {"training_error", "training_queued"}  # queued: cluster mode only
    assert len(recorder.named("training_progress")) >= 4


def test_the_error_event_matches_the_document(live_servers):
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:raises") as server:
        recorder = EventRecorder(server.url)
        try:
            assert server.post("/api/training/start", json={"scenario_name": "torino_single"}).status_code == 202
            recorder.wait_for("training_error", timeout=120)
            names = assert_events_match(server, recorder)
        finally:
            recorder.close()
        assert names == {
            "connection_established",
            "training_status",
            "training_started",
            "training_progress",
            "training_error",
        }
