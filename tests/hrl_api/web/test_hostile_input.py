"""Hostile and malformed requests: never a 5xx, never a crash, never a file read or written
outside the models and scenarios folders.

The server's folders live in a sandbox that also holds a valid scenario and history *outside*
them (``secret``): any path trick that reached them would answer 200.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import yaml
from marshmallow import fields

from hrl_trainer.common.config import MAX_HOUSEHOLD_MONTHS
from hrl_trainer.store.households import HOUSEHOLD_SCHEMA
from tests.hrl_api.model_files import digests
from tests.hrl_api.raw_engineio import open_session, post_packet
from tests.hrl_api.runs import SCENARIO
from tests.live_server import REPO, EventRecorder, LiveServer
from tests.shared_bounds import SHARED_BOUNDS

SECRET = "secret"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sandbox")
    (root / "scenarios").mkdir()
    yaml_text = (REPO / "scenarios" / f"{SCENARIO}.yaml").read_text()
    (root / "scenarios" / f"{SCENARIO}.yaml").write_text(yaml_text)
    (root / f"{SECRET}.yaml").write_text(yaml_text.replace(f"name: {SCENARIO}", f"name: {SECRET}"))
    (root / f"{SECRET}_history.json").write_text(json.dumps({"scenario_name": SECRET, "progress": []}))
    return root


@pytest.fixture(scope="module")
def hostile_server(live_servers, sandbox: Path) -> Iterator[LiveServer]:
    """A server over the sandbox whose trainer is a fake that writes nothing."""
    before = digests(sandbox)
    with live_servers.start(
        sandbox / "models", HRL_SCENARIOS_DIR=str(sandbox / "scenarios"), HRL_TRAINER_ENTRY="tests.fake_trainers:steady"
    ) as server:
        yield server
        assert server.process.poll() is None, server.log()
        assert digests(sandbox) == before, "a hostile request changed a file"
        assert "Unhandled error" not in server.log(), server.log()


@pytest.fixture
def api(hostile_server: LiveServer) -> Iterator[LiveServer]:
    """The hostile-input server; after each test it is still healthy and no run was started."""
    yield hostile_server
    started = hostile_server.get("/api/health").json()["is_training"]
    hostile_server.ensure_idle()
    assert not started, "a hostile request started a training run"


def assert_json_client_error(response: requests.Response, *allowed: int) -> dict:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body["message"], str) and isinstance(body["errors"], dict), body
    return body


HOSTILE_NAMES = {
    "parent": f"../{SECRET}",
    "parent twice": f"../../{SECRET}",
    "encoded parent": f"%2e%2e%2f{SECRET}",
    "backslash parent": f"..\\{SECRET}",
    "dot dot": "..",
    "dot": ".",
    "absolute": "/etc/passwd",
    "NUL": f"{SCENARIO}\x00",
    "newline": f"{SCENARIO}\n",
    "capitals": SCENARIO.upper(),
    "unicode look-alike": "\uff54orino_single",
    "very long": "a" * 4000,
    "empty": "",
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_names_never_reach_a_file(api, sandbox, name):
    absolute = str(sandbox / SECRET)  # the secret's own absolute path, too
    for candidate in (name, absolute):
        segment = quote(candidate, safe="")
        if candidate:
            assert_json_client_error(api.get(f"/api/scenarios/{segment}"), 400, 404)
            assert_json_client_error(api.get(f"/api/models/{segment}/history"), 400, 404)
        assert_json_client_error(api.post("/api/training/start", json={"scenario_name": candidate}), 400)
        run_id = f"{candidate}-20261201-073012-3f9a"  # a hostile scenario part in an id of the right shape
        for id_candidate in (candidate, run_id):
            segment = quote(id_candidate, safe="")
            if id_candidate:
                for path in ("", "/history", "/archive"):
                    assert_json_client_error(api.get(f"/api/runs/{segment}{path}"), 400, 404)
                # "." collapses to /api/runs/publish: a run id the route knows only for GET and DELETE (405)
                assert_json_client_error(api.post(f"/api/runs/{segment}/publish"), 400, 404, 405)
                assert_json_client_error(requests.delete(f"{api.url}/api/runs/{segment}", timeout=30), 400, 404)
            assert_json_client_error(
                api.post("/api/training/start", json={"scenario_name": SCENARIO, "resume_from": id_candidate}), 400
            )
            model = {"scenario_name": SCENARIO, "run_id": id_candidate}  # a run's model, by a hostile id
            assert_json_client_error(api.post("/api/simulations", json=model), 400)
            assert_json_client_error(
                api.post("/api/advice", json={**model, "month": 0, "savings": 0, "invested": 0}), 400
            )
        assert_json_client_error(api.get(f"/api/runs?scenario_name={quote(candidate, safe='')}"), 400)
        assert_hostile_name_refused_by_households_and_simulations(api, candidate)


def assert_hostile_name_refused_by_households_and_simulations(api: LiveServer, name: str) -> None:
    """Households, simulations and advice refuse the name before touching a file (the sandbox's digests
    are checked after the module)."""
    segment = quote(name, safe="")
    figures = yaml.safe_load((REPO / "scenarios" / f"{SCENARIO}.yaml").read_text())
    assert_json_client_error(api.post("/api/scenarios", json={**figures, "name": name}), 400)
    assert_json_client_error(api.post("/api/simulations", json={"scenario_name": name}), 400)
    assert_json_client_error(api.post("/api/simulations", json={"scenario_name": SCENARIO, "run_id": name}), 400)
    assert_json_client_error(
        api.post("/api/advice", json={"scenario_name": name, "month": 0, "savings": 0, "invested": 0}), 400
    )
    if name:
        for method in ("PUT", "DELETE"):
            response = requests.request(method, f"{api.url}/api/scenarios/{segment}", json=figures, timeout=30)
            assert_json_client_error(response, 400, 403, 404, 405)
        for suffix in ("", "/report"):
            assert_json_client_error(api.get(f"/api/simulations/{segment}{suffix}"), 400, 404)
        assert_json_client_error(requests.delete(f"{api.url}/api/simulations/{segment}", timeout=30), 400, 404, 405)


BAD_FIELDS = {
    "episodes bool": ("num_episodes", True),
    "episodes float": ("num_episodes", 5.0),
    "episodes string": ("num_episodes", "5"),
    "episodes null": ("num_episodes", None),
    "episodes list": ("num_episodes", [5]),
    "episodes huge": ("num_episodes", 10**30),
    "episodes negative huge": ("num_episodes", -(10**30)),
    "save interval huge": ("save_interval", 10**30),
    "save interval bool": ("save_interval", False),
    "eval episodes huge": ("eval_episodes", 2**63),
    "seed huge": ("seed", 2**64),
    "seed float": ("seed", 1.0),
    "seed bool": ("seed", True),
    "scenario object": ("scenario_name", {"$ref": "/etc/passwd"}),
    "scenario list": ("scenario_name", [SCENARIO]),
}


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_wrong_types_and_huge_numbers_are_400(api, field, value):
    body = assert_json_client_error(
        api.post("/api/training/start", json={"scenario_name": SCENARIO, "num_episodes": 3, field: value}), 400
    )
    assert field in body["errors"], body


FORM_PATHS = {"simulation": "/api/simulations", "advice": "/api/advice", "run": "/api/training/start"}
API_BOUNDS = [  # (path, field, (lowest, highest)): the bounds the command line shares (tests/shared_bounds.py)
    (FORM_PATHS[form], field, bounds) for form, fields in SHARED_BOUNDS.items() for field, bounds in fields.items()
]
BASE_BODIES = {
    "/api/simulations": {"scenario_name": SCENARIO, "households": 5},
    "/api/advice": {"scenario_name": SCENARIO, "month": 0, "savings": 0, "invested": 0},
    "/api/training/start": {"scenario_name": SCENARIO, "num_episodes": 3},
}


@pytest.mark.parametrize(("path", "field", "bounds"), API_BOUNDS, ids=[f"{p} {f}" for p, f, _ in API_BOUNDS])
def test_just_outside_every_shared_bound_is_400(api, path, field, bounds):
    low, high = bounds
    for value in (low - 1, high + 1):
        body = assert_json_client_error(api.post(path, json={**BASE_BODIES[path], field: value}), 400)
        assert field in body["errors"], (value, body)
    too_many = {**BASE_BODIES["/api/simulations"], "households": MAX_HOUSEHOLD_MONTHS // 120 + 1, "months": 120}
    assert "households" in assert_json_client_error(api.post("/api/simulations", json=too_many), 400)["errors"]


HOUSEHOLD_NUMBERS = sorted(name for name, field in HOUSEHOLD_SCHEMA.fields.items() if isinstance(field, fields.Number))
HOSTILE_NUMBERS = {
    "numeric string": "2000",
    "bool": True,
    "huge": 10**400,
    "negative huge": -(10**400),
    "null": None,
    "list": [1],
    "object": {"$ref": "/etc/passwd"},
    "float max": 1.7976931348623157e308,
}
VALID_BUT_IGNORED = {"bool": {"read_only"}, "float max": {"monthly_expenses", "monthly_margin"}}
"""The derived fields GET adds take any value of their type (and ignore it)."""


@pytest.mark.parametrize("kind", HOSTILE_NUMBERS)
def test_hostile_numbers_in_a_household_are_400_naming_the_field(api, kind):
    """Every number of a household (the derived ones GET adds too): never a 5xx, never a file written."""
    value = HOSTILE_NUMBERS[kind]
    figures = {**api.get_json(f"/api/scenarios/{SCENARIO}"), "name": "hostile_home"}
    for field in sorted({*HOUSEHOLD_NUMBERS, "read_only"} - VALID_BUT_IGNORED.get(kind, set())):
        body = assert_json_client_error(api.post("/api/scenarios", json={**figures, field: value}), 400)
        assert field in body["errors"], (field, body)
        put = requests.put(
            f"{api.url}/api/scenarios/{SCENARIO}", json={**figures, "name": SCENARIO, field: value}, timeout=30
        )
        assert_json_client_error(put, 400, 403)


BAD_MAX_POINTS = {
    "one": "1",
    "zero": "0",
    "negative": "-5",
    "word": "abc",
    "float": "2.5",
    "exponent": "1e3",
    "empty": "",
    "bool": "true",
    "NUL": "3%00",
}


@pytest.mark.parametrize("value", BAD_MAX_POINTS.values(), ids=BAD_MAX_POINTS.keys())
def test_bad_max_points_are_400(api, value):
    for path in ("/api/training/progress", f"/api/models/{SCENARIO}/history"):
        body = assert_json_client_error(api.get(f"{path}?max_points={value}"), 400)
        assert "max_points" in body["errors"], body
    huge = api.get(f"/api/training/progress?max_points={10**30}")
    assert huge.status_code == 200 and huge.json()["progress"] == []


RAW_BODIES = {
    "text/plain": ("text/plain", b'{"scenario_name": "torino_single"}'),
    "form": ("application/x-www-form-urlencoded", b"scenario_name=torino_single&num_episodes=3"),
    "multipart": (
        "multipart/form-data; boundary=x",
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
    ),
    "xml": ("application/xml", b"<scenario_name>torino_single</scenario_name>"),
    "invalid UTF-8": ("application/json", b'{"scenario_name": "\xff\xfe"}'),
    "truncated JSON": ("application/json", b'{"scenario_name": '),
    "JSON NaN": ("application/json", b'{"scenario_name": "torino_single", "num_episodes": NaN}'),
    "nested arrays": ("application/json", b"[" * 100_000 + b"]" * 100_000),
    "nested objects": ("application/json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    "latin-1 charset": ("application/json; charset=latin-1", '{"scenario_name": "t\xf6rino"}'.encode("latin-1")),
}


@pytest.mark.parametrize(("content_type", "data"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
@pytest.mark.parametrize("path", ["/api/training/start", "/api/scenarios", "/api/simulations", "/api/advice"])
def test_malformed_bodies_are_400(api, content_type, data, path):
    assert_json_client_error(api.post(path, data=data, headers={"Content-Type": content_type}), 400)


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/training/start"),
        ("POST", "/api/scenarios"),
        ("PUT", f"/api/scenarios/{SCENARIO}"),
        ("POST", "/api/simulations"),
        ("POST", "/api/advice"),
    ],
)
def test_bodies_over_1_mb_are_413(api, method, path):
    data = json.dumps({"scenario_name": SCENARIO, "padding": "x" * (1024 * 1024)}).encode()
    response = requests.request(
        method, api.url + path, data=data, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert_json_client_error(response, 413)


def test_chunked_bodies_are_not_read(api):
    """Werkzeug reads no body without a length (the server does not mark chunked input as terminated)."""
    data = json.dumps({"scenario_name": SCENARIO, "padding": "x" * (1024 * 1024)}).encode()
    response = api.post("/api/training/start", data=chunked(data), headers={"Content-Type": "application/json"})
    assert_json_client_error(response, 400, 413)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


SOCKET_PAYLOADS = {
    "none": None,
    "string": "x",
    "number": 1,
    "list": [1, 2],
    "nested": nested(200),
    "big string": "x" * 500_000,
    "bytes": bytes(range(256)) * 100,
}


def test_unknown_socket_events_and_malformed_payloads_are_ignored(api):
    client = EventRecorder(api.url, subscribe=False)
    for payload in SOCKET_PAYLOADS.values():
        client.client.emit("no_such_event", payload)
        client.client.emit("subscribe_training", payload)
    client.wait_for("training_status", count=len(SOCKET_PAYLOADS))
    assert client.client.connected
    client.close()
    EventRecorder(api.url).close()  # a new client still connects and subscribes


RAW_PACKETS = {
    "not a packet": "garbage",
    "unknown packet type": "9",
    "truncated event": '42["subscribe_training",',
    "event not a list": '42{"a":1}',
    "event name a number": "42[5]",
    "empty event": "42[]",
    "nested event": "42" + "[" * 100_000 + "]" * 100_000,
    "attachments that never come": '451-["subscribe_training",{"_placeholder":true,"num":5}]',
    "huge ack id": '4299999999999999999999999["subscribe_training"]',
    "unknown namespace": "40/admin,",
    "over 1 MB": '42["x","' + "y" * 1_100_000 + '"]',
}


@pytest.mark.parametrize("packet", RAW_PACKETS.values(), ids=RAW_PACKETS.keys())
def test_malformed_engineio_packets_do_not_hurt_the_server(api, packet):
    params = open_session(api)
    status = post_packet(api, params, packet)
    assert status is None or status < 500, status
    assert post_packet(api, {**params, "sid": "no-such-session"}, packet) == 400
    assert api.get("/api/health").status_code == 200
    EventRecorder(api.url).close()  # other clients are served meanwhile
