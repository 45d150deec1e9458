"""Access: loopback by default, an optional API token on start/stop and Socket.IO, browser
origins limited to the page's own unless configured (never ``*`` by default)."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest
import requests
import socketio
import yaml

from tests.hrl_api.runs import SHORT_RUN
from tests.live_server import REPO, EventRecorder, LiveServer

TOKEN = "s3cret-token"
RUN_ID = "torino_single-20261201-073012-3f9a"
ALLOWED_ORIGIN = "http://dashboard.example:8080"
FOREIGN_ORIGIN = "http://evil.example"
POLLING_HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def open_server(live_servers) -> Iterator[LiveServer]:
    """Default configuration: no token, no extra origins."""
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:steady") as server:
        yield server


@pytest.fixture(scope="module")
def guarded_server(live_servers) -> Iterator[LiveServer]:
    with live_servers.start(
        HRL_TRAINER_ENTRY="tests.fake_trainers:steady", HRL_API_TOKEN=TOKEN, HRL_CORS_ORIGINS=ALLOWED_ORIGIN
    ) as server:
        yield server


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_listens_on_loopback_only_by_default(open_server):
    listening = [
        c.laddr
        for c in psutil.Process(open_server.process.pid).net_connections("tcp")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening and {address.ip for address in listening} == {"127.0.0.1"}, listening


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("wrong"), {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong token", "no scheme", "basic"],
)
@pytest.mark.parametrize(
    "path", ["/api/training/start", "/api/training/stop", f"/api/runs/{RUN_ID}/publish", f"DELETE /api/runs/{RUN_ID}"]
)
def test_every_change_needs_the_token(guarded_server, path, headers):
    if path.startswith("DELETE "):
        response = requests.delete(guarded_server.url + path.split(" ", 1)[1], headers=headers, timeout=30)
    else:
        response = guarded_server.post(path, json=SHORT_RUN, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert set(response.json()) == {"message", "errors"}
    assert guarded_server.status()["is_training"] is False


def test_the_token_opens_start_and_stop_and_reads_stay_open(guarded_server):
    assert guarded_server.post("/api/training/start", json=SHORT_RUN, headers=bearer(TOKEN)).status_code == 202
    for path in (
        "/api/training/status",
        "/api/scenarios",
        "/api/models",
        "/api/health",
        "/api/settings",
        "/api/runs",
        "/api/policies",
        "/api/openapi.json",
        "/api/asyncapi.json",
        "/api/docs",
    ):
        assert guarded_server.get(path).status_code == 200, path
    assert guarded_server.post("/api/training/stop", headers=bearer(TOKEN)).status_code == 200
    guarded_server.wait_idle()
    # with the token, publish and delete get past the guard (the run does not exist: 404)
    assert guarded_server.post(f"/api/runs/{RUN_ID}/publish", headers=bearer(TOKEN)).status_code == 404
    assert (
        requests.delete(f"{guarded_server.url}/api/runs/{RUN_ID}", headers=bearer(TOKEN), timeout=30).status_code == 404
    )


@pytest.mark.parametrize(
    "auth", [None, {"token": "wrong"}, {"token": None}, "not a dict"], ids=["none", "wrong", "null", "not a dict"]
)
def test_socketio_needs_the_token(guarded_server, auth):
    client = socketio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(guarded_server.url, auth=auth, wait_timeout=10)
    assert refusals and refusals[0]["data"] == {"status": 401}  # what the dashboard asks for a token on


def test_socketio_with_the_token_gets_events(guarded_server):
    client = socketio.Client(reconnection=False)
    greeted = []
    client.on("connection_established", greeted.append)
    client.connect(guarded_server.url, auth={"token": TOKEN}, wait_timeout=10)
    client.sleep(0.5)
    assert greeted and greeted[0]["sid"]
    client.disconnect()


def origin_check(server: LiveServer, origin: str) -> requests.Response:
    return requests.get(server.url + POLLING_HANDSHAKE, headers={"Origin": origin}, timeout=10)


def test_same_origin_only_by_default(open_server):
    assert origin_check(open_server, FOREIGN_ORIGIN).status_code == 400
    assert origin_check(open_server, open_server.url).status_code == 200
    response = open_server.get("/api/training/status", headers={"Origin": FOREIGN_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    EventRecorder(open_server.url).close()  # no Origin header (not a browser): allowed


def test_configured_origins_only(guarded_server):
    assert origin_check(guarded_server, FOREIGN_ORIGIN).status_code == 400
    allowed = origin_check(guarded_server, ALLOWED_ORIGIN)
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    preflight = requests.options(
        f"{guarded_server.url}/api/training/start",
        timeout=10,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    foreign = guarded_server.get("/api/training/status", headers={"Origin": FOREIGN_ORIGIN})
    assert "Access-Control-Allow-Origin" not in foreign.headers


TORINO_AS_GET_SHOWS_IT = {
    **yaml.safe_load((REPO / "scenarios" / "torino_single.yaml").read_text()),
    "monthly_expenses": 1400.0,
    "monthly_margin": 200.0,
    "read_only": True,
}
# The state-changing endpoints of households and simulations: (method, path, body).
GUARDED_WRITES = [
    ("POST", "/api/scenarios", {"name": "guarded_home"}),
    ("POST", "/api/scenarios", {**TORINO_AS_GET_SHOWS_IT, "name": "guarded_home", "monthly_income": 1e-9}),
    ("PUT", "/api/scenarios/torino_single", TORINO_AS_GET_SHOWS_IT),
    ("PUT", "/api/scenarios/guarded_home", {}),
    ("DELETE", "/api/scenarios/guarded_home", None),
    ("POST", "/api/simulations", {"scenario_name": "torino_single", "households": 5}),
    ("DELETE", "/api/simulations/abc123", None),
]


@pytest.mark.parametrize("headers", [{}, bearer("wrong")], ids=["none", "wrong token"])
@pytest.mark.parametrize(
    ("method", "path", "body"), GUARDED_WRITES, ids=[f"{m} {p} {i}" for i, (m, p, _) in enumerate(GUARDED_WRITES)]
)
def test_household_and_simulation_writes_need_the_token(guarded_server, method, path, body, headers):
    response = requests.request(method, guarded_server.url + path, json=body, headers=headers, timeout=30)
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_token_opens_household_and_simulation_writes(guarded_server):
    """With the token the same requests reach validation (400/404 here), and reads stay open."""
    for method, path, body in GUARDED_WRITES:
        response = requests.request(method, guarded_server.url + path, json=body, headers=bearer(TOKEN), timeout=30)
        assert response.status_code in (400, 403, 404), (method, path, response.text)
    for path in ("/api/simulations", "/api/scenarios/torino_single"):
        assert guarded_server.get(path).status_code == 200, path
    advice = guarded_server.post(
        "/api/advice", json={"scenario_name": "torino_single", "month": 0, "savings": 0, "invested": 0}
    )
    assert advice.status_code == 404, advice.text  # open to read (no model on this server), never 401
