"""Saved simulations: `models/simulations/{id}.json`, each written atomically (temp file, then rename).

`create_simulation` resolves the model, simulates, records what was simulated (household figures,
model and its training) and saves the whole result, then removes the oldest beyond the kept number
(`prune_simulations`); the others list, read and delete them. A simulation is that one file, so a
reader sees all of it or none of it (an unlink is atomic; a file being read stays readable).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hrl_trainer.common.atomic import write_text_atomically
from hrl_trainer.common.environment import SIMULATIONS_KEPT
from hrl_trainer.common.paths import resolve_models_dir, validate_name
from hrl_trainer.store.checkpoints import load_history
from hrl_trainer.store.runs import RunNotFound, read_run

FOLDER = "simulations"
DEFAULT_KEPT = SIMULATIONS_KEPT.default
"""Saved simulations kept when no other number is given ($HRL_SIMULATIONS_KEPT's default); the oldest beyond
it are removed."""
SUMMARY_FIELDS = ("id", "created_at", "scenario_name", "run_id", "households", "months", "seed")


class SimulationNotFound(LookupError):
    """No saved simulation with that id."""


class SimulationDamaged(ValueError):
    """A saved simulation's file is not the JSON this module wrote (changed outside the service)."""


def simulations_dir(models_dir: str | Path | None = None) -> Path:
    """`models/simulations/`, next to the runs."""
    return resolve_models_dir(models_dir) / FOLDER


def simulation_path(simulation_id: str, models_dir: str | Path | None = None) -> Path:
    """The file of a simulation; ValueError for an id that is not a safe name."""
    return simulations_dir(models_dir) / f"{validate_name(simulation_id)}.json"


def model_info(scenario_name: str, run_id: str | None, models_dir: str | Path | None) -> dict[str, Any]:
    """What the report says about the model: where it comes from and how it was trained."""
    if run_id is not None:
        return run_model_info(run_id, models_dir)
    try:
        history = load_history(scenario_name, models_dir)
    except (OSError, ValueError):
        history = {}
    return {
        "source": "published",
        "trained_on": history.get("scenario_name", scenario_name),
        "episodes_completed": history.get("episodes_completed"),
        "finished_at": history.get("finished_at"),
        "seed": history.get("seed"),
        "final_metrics": history.get("final_metrics"),
    }


RUN_FIELDS = (
    "scenario_name",
    "status",
    "started_at",
    "finished_at",
    "episodes_completed",
    "seed",
    "final_metrics",
    "held_out",
)


def run_model_info(run_id: str, models_dir: str | Path | None) -> dict[str, Any]:
    """A run's model: which household it was trained on, when, for how long, and its held-out result."""
    try:
        run = read_run(run_id, models_dir)
    except (RunNotFound, OSError, ValueError):
        run = {}
    info = {key: run.get(key) for key in RUN_FIELDS}
    return {"source": "run", "run_id": run_id, "trained_on": info.pop("scenario_name"), **info}


def save_simulation(record: dict[str, Any], models_dir: str | Path | None = None, keep: int = DEFAULT_KEPT) -> None:
    """Write a simulation's record atomically under its id, then keep only the newest `keep` saved simulations."""
    write_text_atomically(simulation_path(record["id"], models_dir), json.dumps(record, allow_nan=False))
    prune_simulations(keep, models_dir)


def load_simulation(simulation_id: str, models_dir: str | Path | None = None) -> dict[str, Any]:
    """A saved simulation; ValueError for a bad id, SimulationNotFound when absent."""
    path = simulation_path(simulation_id, models_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimulationNotFound(f"Simulation '{simulation_id}' not found") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise SimulationDamaged(f"The saved simulation '{simulation_id}' is unreadable: {exc}") from None


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """A simulation's identity and the trained model's headline figures."""
    return {
        **{key: record.get(key) for key in SUMMARY_FIELDS},
        "totals": record.get("policies", {}).get("hrl", {}).get("totals"),
    }


def list_simulations(models_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Summaries of every readable saved simulation, newest first (within a second, the last written first)."""
    found = []
    for path in simulations_dir(models_dir).glob("*.json"):
        try:
            written = path.stat().st_mtime_ns
            found.append((summary(load_simulation(path.stem, models_dir)), written))
        except (ValueError, OSError, SimulationNotFound):
            continue  # a bad name or a damaged file (not a simulation of ours), or removed meanwhile
    found.sort(key=lambda pair: (pair[0]["created_at"] or "", pair[1]), reverse=True)
    return [simulation for simulation, _ in found]


def delete_simulation(simulation_id: str, models_dir: str | Path | None = None) -> None:
    """Delete a saved simulation; SimulationNotFound when absent."""
    try:
        simulation_path(simulation_id, models_dir).unlink()
    except FileNotFoundError:
        raise SimulationNotFound(f"Simulation '{simulation_id}' not found") from None


def prune_simulations(keep: int, models_dir: str | Path | None = None) -> list[str]:
    """Remove the oldest saved simulations (by the time their file was written) beyond the newest
    `keep` (at least 1); returns the ids removed. Safe beside other writers and pruners: each removal
    is one unlink, and one already gone counts as removed."""
    saved = []
    for path in simulations_dir(models_dir).glob("*.json"):
        try:
            saved.append((path.stat().st_mtime_ns, path.name, path))
        except FileNotFoundError:
            continue  # removed meanwhile
    saved.sort(reverse=True)
    removed = []
    for _, _, path in saved[max(1, keep) :]:
        path.unlink(missing_ok=True)
        removed.append(path.stem)
    return removed
