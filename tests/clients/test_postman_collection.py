"""The Postman collection, run with newman against a real server, and its coverage of the API."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from clients.harness import REPO, LiveServer

COLLECTION = REPO / "postman" / "hrl-training.postman_collection.json"
ENVIRONMENT = REPO / "postman" / "hrl-training.postman_environment.json"


def requests_in(collection: dict) -> list[dict]:
    """Every request item of the collection, folders flattened, in run order."""
    items = []
    for entry in collection["item"]:
        items.extend(requests_in(entry) if "item" in entry else [entry])
    return items


def as_openapi_path(raw_url: str) -> str:
    """``{{baseUrl}}/api/models/{{scenarioName}}/history`` -> ``/api/models/{}/history``."""
    path = raw_url.removeprefix("{{baseUrl}}")
    return re.sub(r"\{\{\w+\}\}|(?<=/api/scenarios/)[\w-]+|(?<=/api/models/)[\w-]+(?=/history)", "{}", path)


def test_collection_calls_every_documented_route(server: LiveServer) -> None:
    collection = json.loads(COLLECTION.read_text())
    called = {(item["request"]["method"], as_openapi_path(item["request"]["url"]["raw"])) for item in requests_in(collection)}
    document = server.get("/api/openapi.json")
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented, "the OpenAPI document lists no operations"
    assert documented <= called, f"not in the collection: {sorted(documented - called)}"


def test_newman_runs_the_collection(newman: str, server: LiveServer, tmp_path: Path) -> None:
    report_path = tmp_path / "newman.json"
    result = subprocess.run(
        [newman, "run", str(COLLECTION), "--environment", str(ENVIRONMENT),
         "--env-var", f"baseUrl={server.url}", "--reporters", "cli,json", "--reporter-json-export", str(report_path),
         "--timeout-request", "90000", "--color", "off"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    run = json.loads(report_path.read_text())["run"]
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["stats"]["assertions"]["total"] >= 40

    codes = {}
    for execution in run["executions"]:
        codes.setdefault(execution["item"]["name"], []).append(execution["response"]["code"])
    names = {item["name"] for item in requests_in(json.loads(COLLECTION.read_text()))}
    assert names <= codes.keys(), f"requests newman did not run: {sorted(names - codes.keys())}"
    assert codes["Start with a bad body (400)"] == [400]
    assert codes["Start an unknown scenario (404)"] == [404]
    assert codes["Stop when idle (400)"] == [400]
    assert codes["Start training"] == [202]
    assert codes["Stop training"] == [200]

    history = server.get("/api/models/bologna_coppia/history")
    assert history["stopped"] is True
    assert 3 <= history["episodes_completed"] < 1000
