"""The endpoints and fields of issue 22 under hostile input and without the token: labelling a run (PATCH), the
publication log, publishing with a reason, the listing's search and sort, the CSV downloads, and `publish` at the
start. Never a 5xx, never a file read or written outside the models folder, every change behind the token."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import pytest
import requests

from tests.hrl_api.runs import SCENARIO, SHORT_RUN
from tests.hrl_api.web import test_access as access
from tests.hrl_api.web import test_hostile_input as hostile
from tests.hrl_api.web.test_access import TOKEN, bearer
from tests.hrl_api.web.test_hostile_input import HOSTILE_NAMES, RAW_BODIES, assert_json_client_error
from tests.live_server import LiveServer

# The servers of the hostile-input and access tests, as fixtures of this module too.
sandbox, hostile_server, api, guarded_server = (
    hostile.sandbox,
    hostile.hostile_server,
    hostile.api,
    access.guarded_server,
)

RUN_ID = f"{SCENARIO}-20261201-073012-3f9a"


def assert_listed_or_refused(response: requests.Response) -> None:
    """A listing of runs (200, what matched) or a JSON 400 naming the query field."""
    if response.status_code == 200:
        assert isinstance(response.json()["runs"], list), response.text[:300]
    else:
        assert_json_client_error(response, 400)


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_names_and_ids_in_the_new_routes(api, sandbox, name):
    for candidate in (name, str(sandbox / "secret")):
        if not candidate:
            continue
        segment = quote(candidate, safe="")
        assert_json_client_error(api.get(f"/api/models/{segment}/publications"), 400, 404)
        assert_json_client_error(api.get(f"/api/simulations/{segment}/table.csv"), 400, 404)
        for run_id in (candidate, f"{candidate}-20261201-073012-3f9a"):
            run = quote(run_id, safe="")
            assert_json_client_error(api.get(f"/api/runs/{run}/history.csv"), 400, 404)
            # "." collapses to /api/runs: a path the route knows only for GET (405)
            patched = requests.patch(f"{api.url}/api/runs/{run}", json={"name": "x"}, timeout=30)
            assert_json_client_error(patched, 400, 404, 405)
            assert_json_client_error(api.post(f"/api/runs/{run}/publish", json={"reason": "undo"}), 400, 404, 405)
        assert_listed_or_refused(api.get(f"/api/runs?tag={segment}&q={segment}"))


HOSTILE_LABELS = {
    "name NaN": {"name": math.nan},
    "name null": {"name": None},
    "name huge": {"name": "x" * 100_000},
    "name object": {"name": {"$gt": ""}},
    "notes list": {"notes": ["a"]},
    "tags nested": {"tags": [["a"]]},
    "tags null item": {"tags": [None]},
    "tags many": {"tags": [str(i) for i in range(10_000)]},
    "tag path": {"tags": ["../../etc"]},
    "tag NUL": {"tags": ["a\x00b"]},
    "tag newline": {"tags": ["a\nb"]},
    "unknown field": {"name": "x", "published": True},
    "empty": {},
}


@pytest.mark.parametrize("body", HOSTILE_LABELS.values(), ids=HOSTILE_LABELS.keys())
def test_hostile_labels_are_400(api, body):
    data = json.dumps(body, allow_nan=True)
    response = requests.patch(
        f"{api.url}/api/runs/{RUN_ID}", data=data, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert_json_client_error(response, 400)


@pytest.mark.parametrize(("content_type", "data"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_malformed_label_and_publish_bodies_are_400(api, content_type, data):
    headers = {"Content-Type": content_type}
    assert_json_client_error(
        requests.patch(f"{api.url}/api/runs/{RUN_ID}", data=data, headers=headers, timeout=30), 400
    )
    assert_json_client_error(api.post(f"/api/runs/{RUN_ID}/publish", data=data, headers=headers), 400)


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_label_and_publish_bodies_over_1_mb_are_413(api, method):
    data = json.dumps({"notes": "x" * (1024 * 1024)}).encode()
    path = f"/api/runs/{RUN_ID}" + ("/publish" if method == "POST" else "")
    response = requests.request(
        method, api.url + path, data=data, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert_json_client_error(response, 413)


@pytest.mark.parametrize(
    "query",
    ["sort=__class__", "sort=", "order=sideways", "q=" + "x" * 5000, "tag=" + "x" * 5000, "sort=name&sort=status"],
)
def test_hostile_listing_queries(api, query):
    assert_listed_or_refused(api.get(f"/api/runs?{query}"))


@pytest.mark.parametrize("value", ["always", "", None, 1, True, ["manual"], {"on": "finish"}])
def test_a_bad_publish_setting_starts_nothing(api, value):
    assert_json_client_error(api.post("/api/training/start", json={**SHORT_RUN, "publish": value}), 400)


@pytest.mark.parametrize(
    "request_args",
    [
        ("PATCH", f"/api/runs/{RUN_ID}", {"name": "x"}),
        ("POST", f"/api/runs/{RUN_ID}/publish", {"reason": "undo"}),
    ],
    ids=["label", "publish with a reason"],
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}], ids=["none", "wrong token"])
def test_labelling_and_publishing_need_the_token(guarded_server: LiveServer, request_args, headers):
    method, path, body = request_args
    response = requests.request(method, guarded_server.url + path, json=body, headers=headers, timeout=30)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer", response.text
    with_token = requests.request(method, guarded_server.url + path, json=body, headers=bearer(TOKEN), timeout=30)
    assert with_token.status_code == 404, with_token.text  # past the token: the run does not exist


def test_the_new_reads_stay_open(guarded_server: LiveServer):
    assert guarded_server.get(f"/api/models/{SCENARIO}/publications").status_code == 200
    assert guarded_server.get("/api/runs?q=x&sort=held_out&order=asc").status_code == 200
    assert guarded_server.get(f"/api/runs/{RUN_ID}/history.csv").status_code == 404  # open: no 401
    assert guarded_server.get("/api/simulations/nothere/table.csv").status_code == 404
