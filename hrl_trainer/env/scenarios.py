"""Scenario files: a household's figures, validated with marshmallow.

Rates are annual as a person quotes them; the simulator converts them to
monthly rates by compounding. A scenario may name a behavioural profile that
supplies the return assumptions and risk tolerance it does not set itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from hrl_trainer.common.config import MAX_INCOME_LOSS_MONTHS, MAX_SCENARIO_MONTHS
from hrl_trainer.common.paths import NAME_PATTERN, resolve_scenarios_dir, validate_name
from hrl_trainer.common.validators import Length, Range
from hrl_trainer.common.wording import NAME_RULE, sentence

PROFILES: dict[str, dict[str, float]] = {
    "conservative": {"risk_tolerance": 0.3, "investment_return_annual": 0.048, "investment_volatility_monthly": 0.015},
    "balanced": {"risk_tolerance": 0.5, "investment_return_annual": 0.060, "investment_volatility_monthly": 0.020},
    "aggressive": {"risk_tolerance": 0.8, "investment_return_annual": 0.084, "investment_volatility_monthly": 0.030},
}


class ScenarioNotFound(LookupError):
    """No scenario file with that name."""


class ScenarioError(ValueError):
    """A scenario name or file is invalid; `errors` maps each field to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(f"{message}: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class Scenario:
    """One household's figures (euros per month unless the name says otherwise)."""

    name: str
    description: str
    monthly_income: float
    fixed_expenses: float
    variable_expenses_mean: float
    variable_expenses_std: float
    safety_buffer: float
    months: int
    initial_cash: float
    risk_tolerance: float
    profile: str = "balanced"
    inflation_annual: float = 0.02
    investment_return_annual: float = 0.06
    investment_volatility_monthly: float = 0.02
    savings_interest_annual: float = 0.015
    salary_raise_annual: float = 0.02
    shock_probability_monthly: float = 0.08
    shock_cost_multiplier: float = 1.5
    income_loss_probability_monthly: float = 0.005
    income_loss_min_months: int = 2
    income_loss_max_months: int = 6
    income_loss_factor: float = 0.4
    sell_cost: float = 0.01

    @property
    def monthly_margin(self) -> float:
        """Income left after fixed and mean variable expenses in the first month."""
        return self.monthly_income - self.fixed_expenses - self.variable_expenses_mean

    def to_dict(self) -> dict:
        """Every field plus `monthly_margin`, JSON-safe."""
        return {**dataclasses.asdict(self), "monthly_margin": self.monthly_margin}


class StrictFloat(fields.Float):
    """A number as JSON writes one: an integer or a float, never a string such as "2000" (nor a boolean)."""

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if not isinstance(value, (int, float)):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """true or false only: no strings, no numbers."""

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _money(**kwargs) -> fields.Float:
    return fields.Float(validate=Range(min=0), allow_nan=False, **kwargs)


def _rate(low: float, high: float, **kwargs) -> fields.Float:
    return fields.Float(validate=Range(min=low, max=high), allow_nan=False, **kwargs)


NAME_MESSAGE = sentence(f"must be {NAME_RULE}")


class ScenarioSchema(Schema):
    """Validates a scenario file; unknown keys are errors so typos do not pass silently."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Regexp(NAME_PATTERN, error=NAME_MESSAGE))
    description = fields.String(load_default="", validate=Length(max=500))
    monthly_income = fields.Float(required=True, validate=Range(min=0, min_inclusive=False), allow_nan=False)
    fixed_expenses = _money(required=True)
    variable_expenses_mean = _money(required=True)
    variable_expenses_std = _money(required=True)
    safety_buffer = _money(required=True)
    months = fields.Integer(required=True, strict=True, validate=Range(min=1, max=MAX_SCENARIO_MONTHS))
    initial_cash = _money(required=True)
    risk_tolerance = _rate(0, 1)
    profile = fields.String(load_default="balanced", validate=validate.OneOf(sorted(PROFILES)))
    inflation_annual = _rate(-0.5, 1)
    investment_return_annual = _rate(-0.5, 1)
    investment_volatility_monthly = _rate(0, 0.5)
    savings_interest_annual = _rate(-0.5, 1)
    salary_raise_annual = _rate(-0.5, 1)
    shock_probability_monthly = _rate(0, 1)
    shock_cost_multiplier = _rate(0, 100)
    income_loss_probability_monthly = _rate(0, 1)
    income_loss_min_months = fields.Integer(strict=True, validate=Range(min=1, max=MAX_INCOME_LOSS_MONTHS))
    income_loss_max_months = fields.Integer(strict=True, validate=Range(min=1, max=MAX_INCOME_LOSS_MONTHS))
    income_loss_factor = _rate(0, 1)
    sell_cost = _rate(0, 0.5)

    @validates_schema
    def _loss_months_ordered(self, data: dict, **_) -> None:
        low = data.get("income_loss_min_months", Scenario.income_loss_min_months)
        high = data.get("income_loss_max_months", Scenario.income_loss_max_months)
        if low > high:
            raise ValidationError("Must be at least income_loss_min_months.", "income_loss_max_months")


SCENARIO_SCHEMA = ScenarioSchema()


def scenario_from_dict(raw: object, schema: Schema = SCENARIO_SCHEMA, kind: str = "scenario") -> Scenario:
    """Validate a mapping (with `schema`, a ScenarioSchema) and build a Scenario, filling profile
    defaults; raise ScenarioError naming every bad field."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"Invalid {kind}", {"_schema": [f"A {kind} must be a mapping of fields."]})
    try:
        data = schema.load(raw)
    except ValidationError as exc:
        raise ScenarioError(f"Invalid {kind}", exc.normalized_messages()) from None
    return Scenario(**{**PROFILES[data["profile"]], **data})


def scenario_path(name: str, scenarios_dir: str | Path | None = None) -> Path:
    """The file of scenario `name`; raises ScenarioError for a name that is not safe."""
    try:
        validate_name(name)
    except ValueError as exc:
        raise ScenarioError("Invalid scenario name", {"scenario_name": [str(exc)]}) from None
    return resolve_scenarios_dir(scenarios_dir) / f"{name}.yaml"


def load_scenario(name: str, scenarios_dir: str | Path | None = None) -> Scenario:
    """Load and validate scenario `name`; raise ScenarioNotFound or ScenarioError."""
    path = scenario_path(name, scenarios_dir)
    if not path.is_file():
        raise ScenarioNotFound(f"Scenario '{name}' not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError("Invalid scenario file", {"_schema": [f"Not valid YAML: {exc}"]}) from None
    scenario = scenario_from_dict(raw)
    if scenario.name != name:
        raise ScenarioError("Invalid scenario", {"name": [f"Must equal the file name '{name}'."]})
    return scenario


def list_scenarios(scenarios_dir: str | Path | None = None) -> list[str]:
    """Sorted names of the scenario files whose names are valid."""
    folder = resolve_scenarios_dir(scenarios_dir)
    return sorted(p.stem for p in folder.glob("*.yaml") if NAME_PATTERN.fullmatch(p.stem))
