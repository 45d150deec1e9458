"""Households a user creates, edits and deletes: scenario files written atomically (no torch here).

The body is validated by the YAML loader's own schema (`scenarios.ScenarioSchema`) with the ranges
narrowed to what a person would accept (`HouseholdSchema`); the body `GET /api/scenarios/{name}` returns
is accepted as is (its derived fields, `DERIVED_FIELDS`, are ignored and not written). A file saved
before a bound existed still loads (the loader's schema is wider): only a new body must fit. The five bundled households are
read-only: they can be copied under another name, never changed or deleted. Editing a household
leaves its trained models and runs alone (each run records the figures it was trained on).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from marshmallow import ValidationError, fields, post_load, validates_schema

from hrl_trainer.common.atomic import write_text_atomically
from hrl_trainer.common.config import MONTHS_BOUNDS
from hrl_trainer.common.money import format_euro
from hrl_trainer.common.validators import Range
from hrl_trainer.env.scenarios import (
    PROFILES,
    Scenario,
    ScenarioError,
    ScenarioNotFound,
    ScenarioSchema,
    StrictBoolean,
    StrictFloat,
    scenario_from_dict,
    scenario_path,
)

BUNDLED_HOUSEHOLDS = frozenset({"bologna_coppia", "milano_junior", "milano_senior", "roma_famiglia", "torino_single"})


class HouseholdExists(FileExistsError):
    """A household with that name already exists (POST of an existing name)."""


class ReadOnlyHousehold(PermissionError):
    """The bundled households cannot be changed or deleted."""


MAX_MONEY = 100_000_000.0
"""Amounts beyond any household's are typos."""
MIN_INCOME = 100.0
MAX_INCOME = 1_000_000.0
MIN_COVER = 0.5
MAX_STD_RATIO = 1.0
MAX_INITIAL_CASH_MONTHS = 120
MAX_PRICE_GROWTH = 100.0
MAX_REAL_INCOME_GROWTH = 10.0
MAX_REAL_MONEY_GROWTH = 30.0
MAX_HORIZON_VOLATILITY = 1.0
EPISODE_REWARD_RANGE = (-1_000.0, 100_000.0)
"""The bounds of a household a person creates, beyond each field's own range.

A month's reward (`simulation.HouseholdBatch._reward`) is the change in real wealth in units of the
first month's income, plus a spending utility (at most 0.12 x log of a huge number, a few units), minus
a buffer penalty (at most 1) and 25 for going broke. The wealth part telescopes: an episode's reward is
about (final real wealth - initial cash) / first income, so `avg_reward` reads as net worth gained in
months of income (about 2 to 15 for the bundled households). A household keeps it in a sane range when:

- `monthly_income` >= MIN_INCOME (100 EUR): the simulator's amounts are euros (going broke is a
  shortfall over half a cent, balances are divided by at least 1 EUR), so they must be large against
  1 EUR; an income of 1e-9 made every euro of expenses a reward of -1e9. At most MAX_INCOME (1 000 000).
- `monthly_income` >= MIN_COVER (50 %) of `fixed_expenses + variable_expenses_mean`: a month costs at
  most twice the income (a household spending more is broke within months: nothing to learn).
  Bundled: 109 % (milano_junior, roma_famiglia) to 123 % (bologna_coppia).
- `variable_expenses_std` <= MAX_STD_RATIO (1) x `variable_expenses_mean`: a standard deviation far
  above the mean is a typo (the variable expenses are the mean plus noise, cut at 0). Bundled: 0.19-0.22.
- `initial_cash` <= MAX_INITIAL_CASH_MONTHS (120) x `monthly_income`: spending it is at most 120 of
  reward. Bundled: 1.1 to 3.1 months of income.
- Over the horizon (`months`), prices grow at most MAX_PRICE_GROWTH (100) fold (`inflation_annual`),
  the real income at most MAX_REAL_INCOME_GROWTH (10) fold (`salary_raise_annual` above inflation) and
  money at most MAX_REAL_MONEY_GROWTH (30) fold in today's euros (`investment_return_annual`,
  `savings_interest_annual`, each above inflation; 7 % a year for 50 years is 29 fold), and
  `investment_volatility_monthly` x sqrt(`months`) is at most MAX_HORIZON_VOLATILITY (1; an equity
  portfolio's 0.04 a month for 50 years): real net worth, and so the reward, cannot explode, on average
  or for a lucky household. Bundled (120 months): prices 1.2, real income 1.0, investments 1.5, savings
  0.95, volatility 0.22; a 50-year horizon with the aggressive profile (8.4 % a year) is 21 and 0.73.

So an episode's reward stays within EPISODE_REWARD_RANGE: at the lowest, the initial cash spent (-120),
the whole buffer penalty every month (-600 over 50 years) and going broke (-25); at the highest, a whole
income growing tenfold saved for 50 years at 7 % a year above inflation, about 70 000 (an income of
1e-9 gave -3e12).
`tests/hrl_trainer/store/test_household_bounds.py` simulates households at the corners of these bounds.
"""


def _person_rate(low: float, high: float) -> fields.Float:
    return StrictFloat(validate=Range(min=low, max=high))


def _person_money(description: str = "", **kwargs) -> fields.Float:
    return StrictFloat(
        required=True,
        validate=Range(min=0, max=MAX_MONEY),
        metadata={"description": description} if description else {},
        **kwargs,
    )


def _derived(kind: type[fields.Field]) -> fields.Field:
    return kind(
        metadata={
            "description": "ignored: derived from the other fields (GET shows it), so that the body "
            "GET returns can be sent back"
        }
    )


DEFAULT_FIGURES = {f.name: f.default for f in dataclasses.fields(Scenario) if f.default is not dataclasses.MISSING}
"""What a scenario file may leave out (a profile supplies its own rates and risk tolerance)."""


DERIVED_FIELDS = ("monthly_expenses", "monthly_margin", "read_only")
"""What `GET /api/scenarios/{name}` adds to a household's fields: accepted in a body and ignored."""


def growth(rate: float, inflation: float, months: int) -> float:
    """How many fold `rate` a year, above `inflation` a year, multiplies money over `months`."""
    return ((1.0 + rate) / (1.0 + inflation)) ** (months / 12.0)


def highest_rate(limit: float, inflation: float, months: int) -> float:
    """The highest yearly rate whose growth above `inflation` over `months` is `limit` fold."""
    return limit ** (12.0 / months) * (1.0 + inflation) - 1.0


def horizon_errors(figures: dict) -> dict[str, list[str]]:
    """The growth over the horizon each rate of `figures` (every field set) would give, beyond its bound."""
    months, inflation = figures["months"], figures["inflation_annual"]
    errors = {}
    limits = {
        "inflation_annual": (MAX_PRICE_GROWTH, 0.0, "prices"),
        "salary_raise_annual": (MAX_REAL_INCOME_GROWTH, inflation, "the real income"),
        "investment_return_annual": (MAX_REAL_MONEY_GROWTH, inflation, "invested money, in today's euros,"),
        "savings_interest_annual": (MAX_REAL_MONEY_GROWTH, inflation, "savings, in today's euros,"),
    }
    for name, (limit, above, what) in limits.items():
        fold = growth(figures[name], above, months)
        if fold > limit:
            errors[name] = (
                f"Over {months} months {what} would grow {fold:,.0f} fold; at most {limit:g} fold "
                f"(here at most {highest_rate(limit, above, months):.4g} a year)."
            )
    highest_volatility = MAX_HORIZON_VOLATILITY / months**0.5
    if figures["investment_volatility_monthly"] > highest_volatility:
        errors["investment_volatility_monthly"] = (
            f"Must be at most {highest_volatility:.4g} over {months} months (volatility x square root of the months "
            f"at most {MAX_HORIZON_VOLATILITY:g}: beyond it a few lucky households end hundreds of times richer "
            "than the rest)."
        )
    return {name: [message] for name, message in errors.items()}


def _euros(amount: float) -> str:
    return format_euro(amount, 2 if amount != round(amount) else 0)


def proportion_errors(figures: dict) -> dict[str, list[str]]:
    """The amounts of `figures` out of proportion with each other (see the bounds above)."""
    income, costs = figures["monthly_income"], figures["fixed_expenses"] + figures["variable_expenses_mean"]
    errors = {}
    if income < MIN_COVER * costs:
        errors["monthly_income"] = (
            f"Must cover at least {MIN_COVER:.0%} of fixed_expenses + variable_expenses_mean "
            f"(here {_euros(income)} of {_euros(costs)}: at least {_euros(MIN_COVER * costs)})."
        )
    if figures["variable_expenses_std"] > MAX_STD_RATIO * figures["variable_expenses_mean"]:
        errors["variable_expenses_std"] = (
            f"Must be at most {MAX_STD_RATIO:g} times variable_expenses_mean "
            f"(here at most {_euros(MAX_STD_RATIO * figures['variable_expenses_mean'])})."
        )
    if figures["initial_cash"] > MAX_INITIAL_CASH_MONTHS * income:
        errors["initial_cash"] = (
            f"Must be at most {MAX_INITIAL_CASH_MONTHS} months of monthly_income "
            f"(here at most {_euros(MAX_INITIAL_CASH_MONTHS * income)})."
        )
    return {name: [message] for name, message in errors.items()}


class HouseholdSchema(ScenarioSchema):
    """`ScenarioSchema` with the bounds a person would accept for their own household (see above):
    numbers only (no strings), and the body `GET` returns accepted (its derived fields ignored)."""

    monthly_income = StrictFloat(
        required=True,
        validate=Range(min=MIN_INCOME, max=MAX_INCOME),
        metadata={"description": f"at least {MIN_COVER:.0%} of fixed_expenses + variable_expenses_mean"},
    )
    fixed_expenses = _person_money()
    variable_expenses_mean = _person_money()
    variable_expenses_std = _person_money(f"at most {MAX_STD_RATIO:g} times variable_expenses_mean")
    safety_buffer = _person_money()
    initial_cash = _person_money(f"at most {MAX_INITIAL_CASH_MONTHS} times monthly_income")
    months = fields.Integer(required=True, strict=True, validate=Range(*MONTHS_BOUNDS))
    risk_tolerance = _person_rate(0, 1)
    inflation_annual = StrictFloat(
        validate=Range(-0.05, 0.5),
        metadata={"description": f"prices grow at most {MAX_PRICE_GROWTH:g} fold over the months"},
    )
    investment_return_annual = StrictFloat(
        validate=Range(-0.5, 0.5),
        metadata={
            "description": f"above inflation, grows money at most {MAX_REAL_MONEY_GROWTH:g} fold over the months"
        },
    )
    investment_volatility_monthly = _person_rate(0, 0.2)
    savings_interest_annual = StrictFloat(
        validate=Range(-0.05, 0.2),
        metadata={
            "description": f"above inflation, grows money at most {MAX_REAL_MONEY_GROWTH:g} fold over the months"
        },
    )
    salary_raise_annual = StrictFloat(
        validate=Range(-0.2, 0.5),
        metadata={
            "description": f"above inflation, grows the income at most {MAX_REAL_INCOME_GROWTH:g} fold over the months"
        },
    )
    shock_probability_monthly = _person_rate(0, 1)
    shock_cost_multiplier = _person_rate(0, 20)
    income_loss_probability_monthly = _person_rate(0, 1)
    income_loss_factor = _person_rate(0, 1)
    sell_cost = _person_rate(0, 0.5)
    monthly_expenses = _derived(StrictFloat)
    monthly_margin = _derived(StrictFloat)
    read_only = _derived(StrictBoolean)

    @validates_schema
    def _in_proportion(self, data: dict, **_) -> None:
        figures = {**DEFAULT_FIGURES, **PROFILES[data.get("profile", DEFAULT_FIGURES["profile"])], **data}
        errors = {**proportion_errors(figures), **horizon_errors(figures)}
        if errors:
            raise ValidationError(errors)

    @post_load
    def _without_derived(self, data: dict, **_) -> dict:
        return {key: value for key, value in data.items() if key not in DERIVED_FIELDS}


HOUSEHOLD_SCHEMA = HouseholdSchema()


def validate_household(body: object) -> Scenario:
    """A Scenario from a request body; ScenarioError naming every bad field."""
    return scenario_from_dict(body, HOUSEHOLD_SCHEMA, "household")


def household_yaml(body: dict) -> str:
    """The YAML file of a validated household body (fields in the order given, without the derived ones)."""
    stored = {key: value for key, value in body.items() if key not in DERIVED_FIELDS}
    return yaml.safe_dump(stored, sort_keys=False, allow_unicode=True)


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
