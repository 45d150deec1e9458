"""The settings of the web service: defaults, then the environment, then the factory's overrides; a bad
environment value stops the server with one clear line; GET /api/settings serves every form's defaults and
bounds, which are the ones the API enforces."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hrl_api.core.config import DEFAULTS, build_config
from hrl_api.factory import create_app
from hrl_trainer.common.config import (
    ADVICE_BOUNDS,
    DEFAULT_EPISODES,
    DEFAULT_EVAL_EPISODES,
    DEFAULT_HOUSEHOLDS,
    DEFAULT_SAVE_INTERVAL,
    MAX_BALANCE,
    MAX_HOUSEHOLD_MONTHS,
    MONTHS_BOUNDS,
    SETTING_BOUNDS,
    SIMULATION_BOUNDS,
)
from hrl_trainer.store.households import MAX_INCOME, MIN_INCOME
from tests.api_contract import assert_error
from tests.live_server import REPO

TOKEN = "settings-token"


@pytest.fixture
def client(tmp_path: Path):
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    app = create_app(
        {
            "TESTING": True,
            "MODELS_DIR": tmp_path / "models",
            "SCENARIOS_DIR": tmp_path / "scenarios",
            "ASYNC_MODE": "threading",
            "API_TOKEN": TOKEN,
        }
    )
    return app.test_client()


def bounds(default: object, low: float, high: float) -> dict[str, object]:
    return {"default": default, "min": low, "max": high}


def test_the_environment_comes_between_the_defaults_and_the_overrides(monkeypatch) -> None:
    for name in ("HRL_STOP_TIMEOUT", "HRL_CORS_ORIGINS", "HRL_SIMULATIONS_KEPT", "HRL_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert build_config()["STOP_TIMEOUT"] == DEFAULTS["STOP_TIMEOUT"] == 60.0
    monkeypatch.setenv("HRL_STOP_TIMEOUT", "5")
    monkeypatch.setenv("HRL_CORS_ORIGINS", "http://a.example, http://b.example")
    monkeypatch.setenv("HRL_SIMULATIONS_KEPT", "  ")  # blank: the default
    config = build_config()
    assert (config["STOP_TIMEOUT"], config["CORS_ORIGINS"]) == (5.0, ["http://a.example", "http://b.example"])
    assert config["SIMULATIONS_KEPT"] == DEFAULTS["SIMULATIONS_KEPT"] == 100 and config["API_TOKEN"] is None
    assert build_config({"STOP_TIMEOUT": 7.0})["STOP_TIMEOUT"] == 7.0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HRL_PORT", "eighty", "Error: HRL_PORT is not a valid integer: 'eighty'"),
        ("HRL_HEARTBEAT_TIMEOUT", "soon", "Error: HRL_HEARTBEAT_TIMEOUT is not a valid number: 'soon'"),
    ],
)
def test_a_bad_environment_value_stops_the_server_with_one_line(
    variable: str, value: str, message: str, tmp_path: Path
) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HRL_ASYNC_MODE": "threading", variable: value}
    done = subprocess.run(
        [sys.executable, "app.py", "--models-dir", str(tmp_path / "models")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == message
    assert not (tmp_path / "models").exists()  # stopped before building anything


def test_settings_serve_the_defaults_and_bounds_of_every_form(client) -> None:
    response = client.get("/api/settings")  # no token needed, though the server has one
    assert response.status_code == 200
    body = response.get_json()
    assert body["run"] == {
        "num_episodes": bounds(DEFAULT_EPISODES, *SETTING_BOUNDS["num_episodes"]),
        "save_interval": bounds(DEFAULT_SAVE_INTERVAL, *SETTING_BOUNDS["save_interval"]),
        "eval_episodes": bounds(DEFAULT_EVAL_EPISODES, *SETTING_BOUNDS["eval_episodes"]),
        "seed": bounds(None, *SETTING_BOUNDS["seed"]),
    }
    assert body["simulation"] == {
        "households": bounds(DEFAULT_HOUSEHOLDS, *SIMULATION_BOUNDS["households"]),
        "months": bounds(None, *MONTHS_BOUNDS),
        "seed": bounds(None, *SIMULATION_BOUNDS["seed"]),
    }
    money = {"min": 0, "max": MAX_BALANCE}
    assert body["advice"] == {
        "month": dict(zip(("min", "max"), ADVICE_BOUNDS["month"])),
        "savings": money,
        "invested": money,
        "cash": {"default": None, **money},
        "income_loss_months_left": bounds(0, *ADVICE_BOUNDS["income_loss_months_left"]),
    }
    assert body["max_household_months"] == MAX_HOUSEHOLD_MONTHS
    household = body["household"]
    assert household["months"] == dict(zip(("min", "max"), MONTHS_BOUNDS))
    assert household["monthly_income"] == {"min": MIN_INCOME, "max": MAX_INCOME}
    assert household["profile"] == {"default": "balanced", "choices": ["aggressive", "balanced", "conservative"]}
    assert {"fixed_expenses", "risk_tolerance", "sell_cost", "income_loss_max_months"} <= set(household)


def beyond(field: dict[str, float]) -> list[float]:
    """A value under the lowest and one over the highest (an integer stays an integer)."""
    step = 1 if all(isinstance(field[key], int) for key in ("min", "max")) else 0.001
    return [field["min"] - step, field["max"] + step]


def test_every_served_bound_is_enforced_by_its_endpoint(client) -> None:
    torino = yaml.safe_load((REPO / "scenarios" / "torino_single.yaml").read_text())
    forms = {
        "run": ("/api/training/start", {"scenario_name": "torino_single"}),
        "simulation": ("/api/simulations", {"scenario_name": "torino_single"}),
        "advice": ("/api/advice", {"scenario_name": "torino_single", "month": 0, "savings": 0, "invested": 0}),
        "household": ("/api/scenarios", {**torino, "name": "bounded_home"}),
    }
    served = client.get("/api/settings").get_json()
    checked = 0
    for form, (path, body) in forms.items():
        for name, field in served[form].items():
            if "min" not in field:
                continue
            for value in beyond(field):
                response = client.post(path, json={**body, name: value}, headers={"Authorization": f"Bearer {TOKEN}"})
                assert_error(response, 400, name)
                checked += 1
    assert checked >= 2 * (4 + 3 + 5 + 20)
