"""Households (scenario CRUD) against a real server, in both async modes: every status code, the
files on disk, and the bundled households left untouched."""
from __future__ import annotations

import shutil
import threading

import pytest
import requests
import yaml

from api_contract import assert_error
from live_server import ASYNC_MODES, REPO, LiveServer

SUMMARY_ONLY = ("monthly_margin", "monthly_expenses", "read_only")


@pytest.fixture(scope="module", params=ASYNC_MODES)
def household_server(request, module_servers, tmp_path_factory) -> LiveServer:
    """A server over a copy of the bundled scenarios."""
    folder = tmp_path_factory.mktemp("scenarios") / "scenarios"
    shutil.copytree(REPO / "scenarios", folder)
    server = module_servers(async_mode=request.param, HRL_SCENARIOS_DIR=str(folder),
                            HRL_TRAINER_ENTRY="api_fake_trainers:steady")
    server.scenarios_dir = folder
    return server


def copy_of(server: LiveServer, source: str, name: str, **changes) -> dict:
    """A household body copied from `source` (as the dashboard's form does), renamed and changed."""
    detail = server.get_json(f"/api/scenarios/{source}")
    return {**{k: v for k, v in detail.items() if k not in SUMMARY_ONLY}, "name": name, **changes}


def test_create_edit_delete_a_copy(household_server):
    server = household_server
    body = copy_of(server, "torino_single", "my_flat", monthly_income=2100.0, description="My flat in Turin")
    created = server.post("/api/scenarios", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["monthly_income"] == 2100.0 and created.json()["read_only"] is False
    on_disk = yaml.safe_load((server.scenarios_dir / "my_flat.yaml").read_text())
    assert on_disk["monthly_income"] == 2100.0 and on_disk["name"] == "my_flat"
    listed = {s["name"]: s for s in server.get_json("/api/scenarios")["scenarios"]}
    assert listed["my_flat"]["monthly_margin"] == pytest.approx(2100 - 1000 - 400)
    assert listed["torino_single"]["read_only"] is True

    assert_error(server.post("/api/scenarios", json=body), 409, "name")

    edited = requests.put(f"{server.url}/api/scenarios/my_flat", json={**body, "fixed_expenses": 1100.0}, timeout=30)
    assert edited.status_code == 200 and edited.json()["fixed_expenses"] == 1100.0
    assert server.get_json("/api/scenarios/my_flat")["fixed_expenses"] == 1100.0
    without_name = {k: v for k, v in body.items() if k != "name"}
    assert requests.put(f"{server.url}/api/scenarios/my_flat", json=without_name, timeout=30).status_code == 200

    assert requests.delete(f"{server.url}/api/scenarios/my_flat", timeout=30).status_code == 204
    assert not (server.scenarios_dir / "my_flat.yaml").exists()
    assert_error(server.get("/api/scenarios/my_flat"), 404, "name")
    assert_error(requests.delete(f"{server.url}/api/scenarios/my_flat", timeout=30), 404, "name")
    assert not [p for p in server.scenarios_dir.iterdir() if p.name.startswith(".")], "temporary files left"


BAD_FIELDS = {
    "income zero": ({"monthly_income": 0}, "monthly_income"),
    "income negative": ({"monthly_income": -5}, "monthly_income"),
    "expenses negative": ({"fixed_expenses": -1}, "fixed_expenses"),
    "probability over 1": ({"shock_probability_monthly": 1.5}, "shock_probability_monthly"),
    "months too few": ({"months": 11}, "months"),
    "months too many": ({"months": 601}, "months"),
    "months a float": ({"months": 120.5}, "months"),
    "income a string": ({"monthly_income": "lots"}, "monthly_income"),
    "absurd buffer": ({"safety_buffer": 1e12}, "safety_buffer"),
    "unknown field": ({"salary": 3}, "salary"),
    "bad name": ({"name": "My Flat"}, "name"),
    "path name": ({"name": "../secret"}, "name"),
    "loss months reversed": ({"income_loss_min_months": 5, "income_loss_max_months": 2}, "income_loss_max_months"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_bad_bodies_are_400_naming_the_field(household_server, changes, field):
    body = {**copy_of(household_server, "torino_single", "bad_one"), **changes}
    assert_error(household_server.post("/api/scenarios", json=body), 400, field)
    assert not (household_server.scenarios_dir / "bad_one.yaml").exists()


def test_every_bad_field_is_named_at_once(household_server):
    body = copy_of(household_server, "torino_single", "bad_two", monthly_income=-1, months=5, fixed_expenses=-3)
    errors = assert_error(household_server.post("/api/scenarios", json=body), 400)["errors"]
    assert {"monthly_income", "months", "fixed_expenses"} <= set(errors)
    assert_error(household_server.post("/api/scenarios", json=[1]), 400, "_schema")
    assert_error(household_server.post("/api/scenarios", data="x", headers={"Content-Type": "text/plain"}), 400, "_schema")


@pytest.mark.parametrize("name", ["bologna_coppia", "torino_single"])
def test_bundled_households_are_read_only(household_server, name):
    server = household_server
    before = (server.scenarios_dir / f"{name}.yaml").read_bytes()
    body = copy_of(server, name, name, monthly_income=99999.0)
    assert_error(requests.put(f"{server.url}/api/scenarios/{name}", json=body, timeout=30), 403, "name")
    assert_error(requests.delete(f"{server.url}/api/scenarios/{name}", timeout=30), 403, "name")
    assert (server.scenarios_dir / f"{name}.yaml").read_bytes() == before


def test_put_unknown_and_mismatched_names(household_server):
    server = household_server
    body = copy_of(server, "torino_single", "nowhere")
    assert_error(requests.put(f"{server.url}/api/scenarios/nowhere", json=body, timeout=30), 404, "name")
    assert_error(requests.put(f"{server.url}/api/scenarios/Bad%20Name", json=body, timeout=30), 400, "name")
    server.post("/api/scenarios", json={**body, "name": "mine_a"}).raise_for_status()
    assert_error(requests.put(f"{server.url}/api/scenarios/mine_a", json={**body, "name": "mine_b"}, timeout=30), 400, "name")
    requests.delete(f"{server.url}/api/scenarios/mine_a", timeout=30).raise_for_status()


def test_concurrent_creates_of_one_name_give_one_201(household_server):
    server = household_server
    body = copy_of(server, "milano_junior", "race_home")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def create() -> None:
        barrier.wait()
        statuses.append(requests.post(f"{server.url}/api/scenarios", json=body, timeout=60).status_code)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    requests.delete(f"{server.url}/api/scenarios/race_home", timeout=30).raise_for_status()
