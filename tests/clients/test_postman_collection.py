"""The Postman collection, run with newman against a real server, and its coverage of the API."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from clients.harness import REPO, LiveServer, running_server

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
    return re.sub(r"(?<=/api/runs/)[^/]+|\{\{\w+\}\}|(?<=/api/scenarios/)[\w-]+|(?<=/api/models/)[\w-]+(?=/history)",
                  "{}", path)


def test_collection_calls_every_documented_route(server: LiveServer) -> None:
    collection = json.loads(COLLECTION.read_text())
    called = {(item["request"]["method"], as_openapi_path(item["request"]["url"]["raw"])) for item in requests_in(collection)}
    document = server.get_json("/api/openapi.json")
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented, "the OpenAPI document lists no operations"
    assert documented <= called, f"not in the collection: {sorted(documented - called)}"


def run_newman(newman: str, server: LiveServer, report_path: Path, *options: str) -> dict:
    """Run the collection against ``server``; returns newman's JSON report of the run."""
    result = subprocess.run(
        [newman, "run", str(COLLECTION), "--environment", str(ENVIRONMENT),
         "--env-var", f"baseUrl={server.url}", "--reporters", "cli,json", "--reporter-json-export", str(report_path),
         "--timeout-request", "90000", "--color", "off", *options],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    run = json.loads(report_path.read_text())["run"]
    assert run["stats"]["assertions"]["failed"] == 0
    return run


def status_codes(run: dict) -> dict[str, list[int]]:
    """Request name -> the status codes newman got for it, in order."""
    codes: dict[str, list[int]] = {}
    for execution in run["executions"]:
        codes.setdefault(execution["item"]["name"], []).append(execution["response"]["code"])
    return codes


def test_newman_runs_the_collection(newman: str, server: LiveServer, tmp_path: Path) -> None:
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

    history = server.get_json("/api/models/bologna_coppia/history")
    assert history["stopped"] is True
    assert 3 <= history["episodes_completed"] < 1000


def test_the_training_folder_sends_the_api_token(newman: str, tmp_path_factory: pytest.TempPathFactory,
                                                 tmp_path: Path) -> None:
    """Against a server that sets HRL_API_TOKEN, the collection's ``apiToken`` opens start and stop."""
    with running_server(tmp_path_factory, env={"HRL_API_TOKEN": API_TOKEN}) as guarded:
        run = run_newman(newman, guarded, tmp_path / "newman.json",
                         "--folder", "Training", "--env-var", f"apiToken={API_TOKEN}")
        assert guarded.post("/api/training/stop").status_code == 401
    codes = status_codes(run)
    assert codes["Stop when idle (400)"] == [400]
    assert codes["Start training"] == [202]
    assert codes["Stop training"] == [200]
