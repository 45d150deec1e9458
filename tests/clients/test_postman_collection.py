"""The Postman collection, run with newman against a real server, and its coverage of the API."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.clients.harness import REPO, LiveServer
from tests.live_server import LiveServers

COLLECTION = REPO / "postman" / "hrl-training.postman_collection.json"
ENVIRONMENT = REPO / "postman" / "hrl-training.postman_environment.json"
API_TOKEN = "postman-token"


def requests_in(collection: dict) -> list[dict]:
    """Every request item of the collection, folders flattened, in run order."""
    items = []
    for entry in collection["item"]:
        items.extend(requests_in(entry) if "item" in entry else [entry])
    return items


def as_openapi_path(raw_url: str) -> str:
    """``{{baseUrl}}/api/models/{{scenarioName}}/history`` -> ``/api/models/{}/history``."""
    path = raw_url.removeprefix("{{baseUrl}}").split("?")[0]
    return re.sub(
        r"(?<=/api/runs/)[^/]+|\{\{\w+\}\}|(?<=/api/scenarios/)[\w-]+|(?<=/api/models/)[\w-]+(?=/history)", "{}", path
    )


def test_collection_calls_every_documented_route(server: LiveServer) -> None:
    collection = json.loads(COLLECTION.read_text())
    called = {
        (item["request"]["method"], as_openapi_path(item["request"]["url"]["raw"])) for item in requests_in(collection)
    }
    document = server.get_json("/api/openapi.json")
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented, "the OpenAPI document lists no operations"
    assert documented <= called, f"not in the collection: {sorted(documented - called)}"


def newman_run(
    newman: str, server: LiveServer, report_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the collection against ``server`` (``options`` may add an environment and variables);
    returns the finished process and newman's JSON report of the run."""
    result = subprocess.run(
        [
            newman,
            "run",
            str(COLLECTION),
            "--env-var",
            f"baseUrl={server.url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report_path),
            "--timeout-request",
            "90000",
            "--color",
            "off",
            *options,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, json.loads(report_path.read_text())["run"]


def run_newman(newman: str, server: LiveServer, report_path: Path, *options: str) -> dict:
    """A run that must pass every test and print no deprecation notice; returns newman's report."""
    result, run = newman_run(newman, server, report_path, *options)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert run["stats"]["assertions"]["failed"] == 0
    assert "deprecat" not in (result.stdout + result.stderr).lower(), result.stdout
    return run


def status_codes(run: dict) -> dict[str, list[int]]:
    """Request name -> the status codes newman got for it, in order."""
    codes: dict[str, list[int]] = {}
    for execution in run["executions"]:
        codes.setdefault(execution["item"]["name"], []).append(execution["response"]["code"])
    return codes


def test_the_collection_stands_alone() -> None:
    """Every variable it uses has a default in the collection; the environment only overrides some;
    no legacy ``postman.*`` or environment-bound script calls; the warning about trained models."""
    collection = json.loads(COLLECTION.read_text())
    defaults = {variable["key"]: variable["value"] for variable in collection["variable"]}
    used = set(re.findall(r"\{\{(\w+)\}\}", COLLECTION.read_text()))
    used |= set(re.findall(r"pm\.variables\.get\('(\w+)'\)", COLLECTION.read_text()))
    set_at_run_time = {"startTime", "progressTries", "idleTries", "runId"}
    assert used - set_at_run_time <= defaults.keys(), sorted(used - set_at_run_time - defaults.keys())
    assert defaults["baseUrl"] == "http://127.0.0.1:8000" and defaults["replaceTrainedModel"] == "no"
    environment = json.loads(ENVIRONMENT.read_text())
    assert {value["key"] for value in environment["values"]} <= defaults.keys()
    scripts = "\n".join(
        line
        for item in [collection, *requests_in(collection)]
        for event in item.get("event", [])
        for line in event["script"]["exec"]
    )
    assert "pm.execution.setNextRequest(" in scripts
    assert not re.search(r"\bpostman\.|pm\.environment\.", scripts)
    assert "WARNING" in collection["info"]["description"] and "replaceTrainedModel" in collection["info"]["description"]


def test_newman_runs_the_collection(newman: str, server: LiveServer, tmp_path: Path) -> None:
    """On its own: no environment file, only the server's address given."""
    run = run_newman(newman, server, tmp_path / "newman.json")
    assert run["stats"]["assertions"]["total"] >= 40

    codes = status_codes(run)
    names = {item["name"] for item in requests_in(json.loads(COLLECTION.read_text()))}
    assert names <= codes.keys(), f"requests newman did not run: {sorted(names - codes.keys())}"
    assert codes["Start with a bad body (400)"] == [400]
    assert codes["Start an unknown scenario (404)"] == [404]
    assert codes["Stop when idle (400)"] == [400]
    assert codes["Start training"] == [202]
    assert codes["Stop training"] == [200]
    assert codes["AsyncAPI document"] == [200] and codes["API docs page"] == [200]

    history = server.get_json("/api/models/bologna_coppia/history")
    assert history["stopped"] is True
    assert 3 <= history["episodes_completed"] < 1000


def test_the_training_folder_sends_the_api_token(newman: str, live_servers: LiveServers, tmp_path: Path) -> None:
    """Against a server that sets HRL_API_TOKEN, the collection's ``apiToken`` opens start and stop."""
    with live_servers.start(scenarios=True, HRL_API_TOKEN=API_TOKEN) as guarded:
        run = run_newman(
            newman,
            guarded,
            tmp_path / "newman.json",
            "--environment",
            str(ENVIRONMENT),
            "--folder",
            "Training",
            "--env-var",
            f"apiToken={API_TOKEN}",
        )
        assert guarded.post("/api/training/stop").status_code == 401
    codes = status_codes(run)
    assert codes["Stop when idle (400)"] == [400]
    assert codes["Start training"] == [202]
    assert codes["Stop training"] == [200]


def test_the_collection_never_replaces_a_trained_model_unasked(
    newman: str, live_servers: LiveServers, tmp_path: Path
) -> None:
    """A trained model of ``scenarioName`` stops the run before anything starts; replaceTrainedModel=yes lets
    the Training folder replace it."""
    with live_servers.start(scenarios=True) as live:
        users_model = live.models_dir / "bologna_coppia_history.json"
        users_model.write_text(
            json.dumps(
                {
                    "scenario_name": "bologna_coppia",
                    "episodes_completed": 5000,
                    "stopped": False,
                    "final_metrics": {"avg_reward": 14.6},
                }
            )
        )
        result, run = newman_run(newman, live, tmp_path / "refused.json")
        assert result.returncode != 0
        assert "has a trained model, which the Training folder would replace" in result.stdout, result.stdout
        assert "deprecat" not in (result.stdout + result.stderr).lower(), result.stdout
        codes = status_codes(run)
        assert list(codes)[-1] == "Refuse to replace a trained model"
        assert "Start training" not in codes
        assert live.status()["scenario_name"] is None
        assert json.loads(users_model.read_text())["episodes_completed"] == 5000

        run = run_newman(
            newman, live, tmp_path / "allowed.json", "--folder", "Training", "--env-var", "replaceTrainedModel=yes"
        )
        assert status_codes(run)["Start training"] == [202]
    assert json.loads(users_model.read_text())["stopped"] is True
