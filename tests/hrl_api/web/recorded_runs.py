"""Runs recorded by hand (no training) in a models folder, and the app over that folder, for the API tests of
issue 22 (labels, publications, CSV) that need runs with given scores but no server process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from hrl_api.factory import create_app
from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store import runs
from hrl_trainer.store.run_writer import record_agents


def app_client(models: Path, **config: Any) -> FlaskClient:
    """A test client of the app over `models` (threading mode; `config`: API_TOKEN, say)."""
    return create_app({"TESTING": True, "MODELS_DIR": models, "ASYNC_MODE": "threading", **config}).test_client()


def recorded_run(models: Path, scenario: str, history: dict | None = None, held_out: float | None = None) -> str:
    """A completed run of `scenario` (published as it ends, like any finished run) with `history` and, in its
    summary, the held-out score `held_out` (None: none); returns its id."""
    run_id = record_agents(scenario, Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), history, models)
    if held_out is not None:
        folder = runs.run_dir(run_id, models)
        summary = json.loads((folder / "run.json").read_text())
        runs.write_summary(folder, {**summary, "held_out": {"households": 200, "avg_reward": held_out}})
    return run_id
