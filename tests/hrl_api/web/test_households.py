"""Households (scenario CRUD) against a real server, in both async modes: every status code, the
files on disk, and the bundled households left untouched."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
import yaml

from hrl_trainer.common.money import format_euro
from tests.api_contract import assert_error
from tests.live_server import ASYNC_MODES, REPO, LiveServer


@pytest.fixture(scope="module", params=ASYNC_MODES)
def household_server(request, live_servers) -> Iterator[LiveServer]:
    """A server over a copy of the bundled scenarios."""
    with live_servers.start(
        async_mode=request.param, scenarios=True, HRL_TRAINER_ENTRY="tests.fake_trainers:steady"
    ) as server:
        yield server


def copy_of(server: LiveServer, source: str, name: str, **changes) -> dict:
    """A household body: what GET returns for `source` (derived fields and all), renamed and changed."""
    return {**server.get_json(f"/api/scenarios/{source}"), "name": name, **changes}


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
    "income a numeric string": ({"monthly_income": "2000"}, "monthly_income"),
    "expenses a numeric string": ({"fixed_expenses": "1000"}, "fixed_expenses"),
    "rate a numeric string": ({"inflation_annual": "0.02"}, "inflation_annual"),
    "income a bool": ({"monthly_income": True}, "monthly_income"),
    "income tiny": ({"monthly_income": 1e-9}, "monthly_income"),
    "income over the cap": ({"monthly_income": 1_000_001}, "monthly_income"),
    "income under half the costs": ({"monthly_income": 600}, "monthly_income"),
    "std far above the mean": ({"variable_expenses_std": 1e8}, "variable_expenses_std"),
    "initial cash of centuries": ({"initial_cash": 1e7}, "initial_cash"),
    "raises compounding for 50 years": ({"months": 600, "salary_raise_annual": 0.1}, "salary_raise_annual"),
    "returns compounding for 50 years": ({"months": 600, "investment_return_annual": 0.2}, "investment_return_annual"),
    "volatility over 50 years": (
        {"months": 600, "investment_volatility_monthly": 0.1},
        "investment_volatility_monthly",
    ),
    "derived field of the wrong type": ({"monthly_margin": "a lot"}, "monthly_margin"),
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
    assert_error(
        household_server.post("/api/scenarios", data="x", headers={"Content-Type": "text/plain"}), 400, "_schema"
    )


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
    assert_error(
        requests.put(f"{server.url}/api/scenarios/mine_a", json={**body, "name": "mine_b"}, timeout=30), 400, "name"
    )
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


def test_the_body_get_returns_is_posted_and_put_back(household_server):
    """Copying a household is GET, rename, POST; editing is GET, change, PUT: the derived fields GET adds
    (monthly_margin, monthly_expenses, read_only) are ignored, never written to the file."""
    server = household_server
    detail = server.get_json("/api/scenarios/torino_single")
    assert {"monthly_margin", "monthly_expenses", "read_only"} <= set(detail)
    created = server.post("/api/scenarios", json={**detail, "name": "round_trip"})
    assert created.status_code == 201, created.text
    assert created.json() == {**detail, "name": "round_trip", "read_only": False}
    on_disk = yaml.safe_load((server.scenarios_dir / "round_trip.yaml").read_text())
    assert not {"monthly_margin", "monthly_expenses", "read_only"} & set(on_disk)

    mine = server.get_json("/api/scenarios/round_trip")
    edited = requests.put(f"{server.url}/api/scenarios/round_trip", json={**mine, "fixed_expenses": 900}, timeout=30)
    assert edited.status_code == 200, edited.text
    assert edited.json()["monthly_margin"] == pytest.approx(1600 - 900 - 400)  # derived again, the stale one ignored
    requests.delete(f"{server.url}/api/scenarios/round_trip", timeout=30).raise_for_status()


def test_refusals_say_what_would_be_accepted(household_server):
    body = copy_of(household_server, "torino_single", "too_poor", monthly_income=600, variable_expenses_std=1e8)
    errors = assert_error(household_server.post("/api/scenarios", json=body), 400)["errors"]
    assert errors["monthly_income"] == [
        (
            f"Must cover at least 50% of fixed_expenses + variable_expenses_mean "
            f"(here {format_euro(600)} of {format_euro(1400)}: at least {format_euro(700)})."
        )
    ]
    assert errors["variable_expenses_std"] == [
        f"Must be at most 1 times variable_expenses_mean (here at most {format_euro(400)})."
    ]


def test_the_openapi_document_shows_every_bound_of_a_household(household_server):
    household = household_server.get_json("/api/openapi.json")["components"]["schemas"]["Household"]["properties"]
    numbers = {
        name: field
        for name, field in household.items()
        if field.get("type") in ("number", "integer") and not field.get("description", "").startswith("ignored")
    }
    assert len(numbers) == 20, sorted(numbers)
    for name, field in numbers.items():
        assert "minimum" in field and "maximum" in field, name
    assert (household["monthly_income"]["minimum"], household["monthly_income"]["maximum"]) == (100, 1_000_000)
    assert (household["months"]["minimum"], household["months"]["maximum"]) == (12, 600)
    assert "50%" in household["monthly_income"]["description"]
    assert "variable_expenses_mean" in household["variable_expenses_std"]["description"]
    for derived in ("monthly_margin", "monthly_expenses", "read_only"):
        assert household[derived]["description"].startswith("ignored"), derived


def test_a_household_saved_before_the_bounds_still_loads_and_must_fit_them_to_be_edited(household_server):
    """A file the old, wider ranges accepted (an income of 1e-9) is listed and shown; a PUT of its own
    figures is refused naming the field, and the file stays as it was."""
    server = household_server
    figures = {
        **yaml.safe_load((REPO / "scenarios" / "torino_single.yaml").read_text()),
        "name": "old_home",
        "monthly_income": 1e-9,
        "initial_cash": "2500",
    }
    path = server.scenarios_dir / "old_home.yaml"
    path.write_text(yaml.safe_dump(figures))
    try:
        assert "old_home" in {s["name"] for s in server.get_json("/api/scenarios")["scenarios"]}
        detail = server.get_json("/api/scenarios/old_home")
        assert detail["monthly_income"] == 1e-9
        refused = requests.put(f"{server.url}/api/scenarios/old_home", json=detail, timeout=30)
        assert set(assert_error(refused, 400, "monthly_income")["errors"]) == {"monthly_income"}
        assert yaml.safe_load(path.read_text()) == figures
    finally:
        path.unlink()
