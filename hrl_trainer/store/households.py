"""Households a user creates, edits and deletes: scenario files written atomically (no torch here).

The body is validated by the YAML loader's own schema (`scenarios.ScenarioSchema`) with the ranges
narrowed to what a person would accept (`HouseholdSchema`). The five bundled households are
read-only: they can be copied under another name, never changed or deleted. Editing a household
leaves its trained models and runs alone (each run records the figures it was trained on).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from marshmallow import fields, validate

from hrl_trainer.common.atomic import write_text_atomically
from hrl_trainer.env.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioNotFound,
    ScenarioSchema,
    scenario_from_dict,
    scenario_path,
)

BUNDLED_HOUSEHOLDS = frozenset({"bologna_coppia", "milano_junior", "milano_senior", "roma_famiglia", "torino_single"})


class HouseholdExists(FileExistsError):
    """A household with that name already exists (POST of an existing name)."""


class ReadOnlyHousehold(PermissionError):
    """The bundled households cannot be changed or deleted."""


def _person_rate(low: float, high: float) -> fields.Float:
    return fields.Float(validate=validate.Range(min=low, max=high), allow_nan=False)


MAX_MONEY = 100_000_000.0
"""Amounts beyond any household's are typos."""


def _person_money() -> fields.Float:
    return fields.Float(required=True, validate=validate.Range(min=0, max=MAX_MONEY), allow_nan=False)


class HouseholdSchema(ScenarioSchema):
    """`ScenarioSchema` with the ranges a person would accept for their own household."""

    fixed_expenses = _person_money()
    variable_expenses_mean = _person_money()
    variable_expenses_std = _person_money()
    safety_buffer = _person_money()
    initial_cash = _person_money()
    monthly_income = fields.Float(required=True, allow_nan=False,
                                  validate=validate.Range(min=0, min_inclusive=False, max=1_000_000))
    months = fields.Integer(required=True, strict=True, validate=validate.Range(min=12, max=600))
    inflation_annual = _person_rate(-0.05, 0.5)
    investment_return_annual = _person_rate(-0.5, 0.5)
    investment_volatility_monthly = _person_rate(0, 0.2)
    savings_interest_annual = _person_rate(-0.05, 0.2)
    salary_raise_annual = _person_rate(-0.2, 0.5)
    shock_cost_multiplier = _person_rate(0, 20)


HOUSEHOLD_SCHEMA = HouseholdSchema()


def validate_household(body: object) -> Scenario:
    """A Scenario from a request body; ScenarioError naming every bad field."""
    return scenario_from_dict(body, HOUSEHOLD_SCHEMA, "household")


def household_yaml(body: dict) -> str:
    """The YAML file of a validated household body (fields in the order given)."""
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _write(path: Path, body: dict, scenario: Scenario, *, new: bool) -> Scenario:
    """Write a validated body to `path` as YAML (`new`: HouseholdExists if the file exists)."""
    try:
        write_text_atomically(path, household_yaml(body), exclusive=new)
    except FileExistsError:
        raise HouseholdExists(f"Household '{scenario.name}' already exists") from None
    return scenario


def create_household(body: object, scenarios_dir: str | Path | None = None) -> Scenario:
    """Write a new household; ScenarioError for a bad body, HouseholdExists if the name is taken."""
    scenario = validate_household(body)
    return _write(scenario_path(scenario.name, scenarios_dir), body, scenario, new=True)  # type: ignore[arg-type]


def _editable_path(name: str, scenarios_dir: str | Path | None) -> Path:
    path = scenario_path(name, scenarios_dir)
    if name in BUNDLED_HOUSEHOLDS:
        raise ReadOnlyHousehold(f"'{name}' is a bundled household: copy it under another name to change it")
    if not path.is_file():
        raise ScenarioNotFound(f"Scenario '{name}' not found")
    return path


def update_household(name: str, body: object, scenarios_dir: str | Path | None = None) -> Scenario:
    """Replace household `name`; ReadOnlyHousehold, ScenarioNotFound or ScenarioError."""
    path = _editable_path(name, scenarios_dir)
    if isinstance(body, dict):  # the name may be left out; another name is an error
        if body.get("name", name) != name:
            raise ScenarioError("Invalid household", {"name": [f"Must equal the household in the URL, '{name}'."]})
        body = {"name": name, **body}
    return _write(path, body, validate_household(body), new=False)  # type: ignore[arg-type]


def delete_household(name: str, scenarios_dir: str | Path | None = None) -> None:
    """Delete household `name` (its trained models and runs stay); ReadOnlyHousehold or ScenarioNotFound."""
    path = _editable_path(name, scenarios_dir)
    try:
        path.unlink()
    except FileNotFoundError:
        raise ScenarioNotFound(f"Scenario '{name}' not found") from None
