"""Read-only access to scenarios and trained models, with trainer errors mapped to API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app

from hrl_api.core.errors import ApiError
from hrl_trainer import (
    Scenario,
    ScenarioError,
    ScenarioNotFound,
    list_scenarios,
    list_trained_models,
    load_history,
    load_scenario,
    validate_name,
)
from hrl_trainer.store.households import BUNDLED_HOUSEHOLDS, HouseholdExists, ReadOnlyHousehold
from hrl_trainer.store.runs import thin_history


def _scenarios_dir() -> Path:
    return current_app.config["SCENARIOS_DIR"]


def _models_dir() -> Path:
    return current_app.config["MODELS_DIR"]


def checked_name(name: str, field: str = "name") -> str:
    """Return ``name`` or raise a 400 naming ``field`` when it is not a valid resource name."""
    try:
        return validate_name(name)
    except ValueError as exc:
        raise ApiError(400, "Invalid name", {field: [str(exc)]}) from exc


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """The household figures a client needs to choose a scenario."""
    monthly_expenses = scenario.fixed_expenses + scenario.variable_expenses_mean
    return {
        "name": scenario.name,
        "description": scenario.description,
        "monthly_income": scenario.monthly_income,
        "fixed_expenses": scenario.fixed_expenses,
        "variable_expenses_mean": scenario.variable_expenses_mean,
        "monthly_expenses": monthly_expenses,
        "monthly_margin": scenario.monthly_margin,
        "read_only": scenario.name in BUNDLED_HOUSEHOLDS,
    }


@contextmanager
def household_errors(field: str = "name") -> Iterator[None]:
    """Translate the household store's errors: 400 bad body, 403 bundled, 404 unknown, 409 taken."""
    try:
        yield
    except ScenarioError as exc:
        raise ApiError(400, "Invalid household", exc.errors) from exc
    except ReadOnlyHousehold as exc:
        raise ApiError(
            403, str(exc), {field: ["A bundled household is read-only; copy it under another name."]}
        ) from exc
    except ScenarioNotFound as exc:
        raise ApiError(404, str(exc), {field: ["Unknown scenario."]}) from exc
    except HouseholdExists as exc:
        raise ApiError(409, str(exc), {field: ["A household with this name already exists."]}) from exc


def get_scenario(name: str, field: str = "name") -> Scenario:
    """Load a scenario; 404 when it does not exist, 500 when its file is invalid."""
    checked_name(name, field)
    try:
        return load_scenario(name, _scenarios_dir())
    except ScenarioNotFound as exc:
        raise ApiError(404, f"Scenario '{name}' not found", {field: ["Unknown scenario."]}) from exc
    except ScenarioError as exc:
        raise ApiError(500, f"Scenario '{name}' is invalid", exc.errors) from exc


def all_scenarios() -> list[Scenario]:
    """Every valid scenario; invalid files are logged and left out of the list."""
    scenarios = []
    for name in list_scenarios(_scenarios_dir()):
        try:
            scenarios.append(load_scenario(name, _scenarios_dir()))
        except (ScenarioError, ScenarioNotFound, ValueError) as exc:
            current_app.logger.warning("Skipping scenario %s: %s", name, exc)
    return scenarios


def trained_models() -> list[dict[str, Any]]:
    """Every scenario with a saved history, its files and final metrics."""
    return list_trained_models(_models_dir())


def history(name: str, max_points: int | None = None) -> dict[str, Any]:
    """A trained scenario's history, its progress records and diagnostics thinned to ``max_points``; 404 when there
    is none."""
    checked_name(name)
    try:
        saved = load_history(name, _models_dir())
    except FileNotFoundError as exc:
        raise ApiError(404, f"No trained model for '{name}'", {"name": ["No training history."]}) from exc
    except ValueError as exc:  # not JSON, or not UTF-8: the file was damaged outside the service
        raise ApiError(500, f"The saved history of '{name}' is unreadable", {"name": [str(exc)]}) from exc
    return thin_history(saved, max_points)
