"""What the web process hands to its worker processes (`hrl_api.core.simulation_pool`): each task by name,
so that the web process itself never imports torch. Every task returns a JSON-safe dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.store.model_lookup import model_reference, resolve_agents
from hrl_trainer.use.advice import advise
from hrl_trainer.use.simulations import create_simulation


def advice_of_model(
    scenario: Scenario, run_id: str | None, models_dir: str | Path | None, **state: Any
) -> dict[str, Any]:
    """`advise` with the model of `run_id` (or the scenario's published one), and which model that is."""
    strategist, executor = resolve_agents(scenario.name, run_id, models_dir)
    return {
        **advise(scenario, strategist, executor, **state),
        "model": model_reference(scenario.name, run_id, models_dir),
    }


TASKS = {"simulate": create_simulation, "advise": advice_of_model}
"""The tasks a worker runs, by the name the web process sends."""
