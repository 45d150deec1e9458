"""The bounds of a household a person creates (`hrl_trainer.store.households`): the bundled households fit them
with margin, and households at their corners give finite rewards within `EPISODE_REWARD_RANGE` (the
property that keeps an absurd `avg_reward` off the dashboard)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from hrl_trainer.env.scenarios import ScenarioError, list_scenarios, load_scenario
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents
from hrl_trainer.store.households import (
    EPISODE_REWARD_RANGE,
    MAX_HORIZON_VOLATILITY,
    MAX_INCOME,
    MAX_INITIAL_CASH_MONTHS,
    MAX_MONEY,
    MAX_PRICE_GROWTH,
    MAX_REAL_INCOME_GROWTH,
    MAX_REAL_MONEY_GROWTH,
    MIN_COVER,
    MIN_INCOME,
    highest_rate,
    validate_household,
)
from tests.live_server import REPO

BUNDLED = [yaml.safe_load(path.read_text()) for path in sorted((REPO / "scenarios").glob("*.yaml"))]
SPLITS = np.array(
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]]
)  # invest, save, spend, even
HOUSEHOLDS_PER_SPLIT = 12
JUST_UNDER = 1 - 1e-9


@pytest.mark.parametrize("figures", BUNDLED, ids=[f["name"] for f in BUNDLED])
def test_the_bundled_households_fit_the_bounds_with_margin(figures):
    assert validate_household(figures).name == figures["name"]
    roomy = {"name": "tighter", **{k: v for k, v in figures.items() if k != "name"}}
    roomy["monthly_income"] = figures["monthly_income"] / 2  # half the income still covers the costs' 50 %
    roomy["variable_expenses_std"] = figures["variable_expenses_std"] * 4
    roomy["initial_cash"] = figures["initial_cash"] * 10
    validate_household(roomy)


def test_the_scenario_loader_still_loads_every_bundled_household():
    assert [load_scenario(name).name for name in list_scenarios()] == [f["name"] for f in BUNDLED]


def corner(rng: np.random.Generator) -> dict:
    """A household with every figure at one end of what `HouseholdSchema` accepts (the cross-field bounds
    taken at their limits)."""

    def pick(low, high):
        return low if rng.random() < 0.5 else high

    income, months = pick(MIN_INCOME, MAX_INCOME), pick(12, 600)
    costs, fixed_share = pick(0.0, income / MIN_COVER), pick(0.0, 1.0)
    mean = costs * (1 - fixed_share)
    inflation = pick(-0.05, min(0.5, highest_rate(MAX_PRICE_GROWTH * JUST_UNDER, 0.0, months)))
    shortest_loss = pick(1, 120)

    def top(limit: float, cap: float) -> float:
        return min(cap, highest_rate(limit * JUST_UNDER, inflation, months))

    return {
        "name": "corner",
        "monthly_income": income,
        "fixed_expenses": costs * fixed_share,
        "variable_expenses_mean": mean,
        "variable_expenses_std": pick(0.0, mean),
        "safety_buffer": pick(0.0, MAX_MONEY),
        "months": months,
        "initial_cash": pick(0.0, min(MAX_MONEY, MAX_INITIAL_CASH_MONTHS * income)),
        "risk_tolerance": pick(0.0, 1.0),
        "inflation_annual": inflation,
        "salary_raise_annual": pick(-0.2, top(MAX_REAL_INCOME_GROWTH, 0.5)),
        "investment_return_annual": pick(-0.5, top(MAX_REAL_MONEY_GROWTH, 0.5)),
        "savings_interest_annual": pick(-0.05, top(MAX_REAL_MONEY_GROWTH, 0.2)),
        "investment_volatility_monthly": pick(0.0, min(0.2, MAX_HORIZON_VOLATILITY / months**0.5 * JUST_UNDER)),
        "shock_probability_monthly": pick(0.0, 1.0),
        "shock_cost_multiplier": pick(0.0, 20.0),
        "income_loss_probability_monthly": pick(0.0, 1.0),
        "income_loss_min_months": shortest_loss,
        "income_loss_max_months": max(shortest_loss, pick(1, 120)),
        "income_loss_factor": pick(0.0, 1.0),
        "sell_cost": pick(0.0, 0.5),
    }


RICHEST = {
    **corner(np.random.default_rng(0)),
    "monthly_income": MIN_INCOME,
    "fixed_expenses": 0.0,
    "variable_expenses_mean": 0.0,
    "variable_expenses_std": 0.0,
    "months": 600,
    "inflation_annual": -0.05,
    "initial_cash": MAX_INITIAL_CASH_MONTHS * MIN_INCOME,
    "shock_probability_monthly": 0.0,
    "income_loss_probability_monthly": 0.0,
    "savings_interest_annual": -0.05,
}
RICHEST.update(
    salary_raise_annual=highest_rate(MAX_REAL_INCOME_GROWTH * JUST_UNDER, -0.05, 600),
    investment_return_annual=highest_rate(MAX_REAL_MONEY_GROWTH * JUST_UNDER, -0.05, 600),
    investment_volatility_monthly=MAX_HORIZON_VOLATILITY / 600**0.5 * JUST_UNDER,
)
"""The richest the bounds allow: no costs, all the growth for 50 years."""
POOREST = {
    **RICHEST,
    "fixed_expenses": MIN_INCOME / MIN_COVER,
    "safety_buffer": MAX_MONEY,
    "risk_tolerance": 0.0,
    "salary_raise_annual": -0.2,
    "investment_return_annual": -0.5,
    "shock_probability_monthly": 1.0,
    "shock_cost_multiplier": 20.0,
}
"""The poorest: twice the income in costs, a shock every month, the buffer never reached."""


def episode_rewards(figures: dict, seed: int) -> np.ndarray:
    """Each fixed split's households, a whole horizon: (splits, households) summed rewards; every month's
    reward checked finite."""
    scenario = validate_household(figures)
    rows = np.repeat(np.arange(HOUSEHOLDS_PER_SPLIT), len(SPLITS))  # every split lives the same lives
    batch = HouseholdBatch(scenario, LifeEvents.draw(scenario, HOUSEHOLDS_PER_SPLIT, np.random.default_rng(seed)), rows)
    split = np.tile(SPLITS, (HOUSEHOLDS_PER_SPLIT, 1))
    total = np.zeros(batch.size)
    while not batch.done:
        reward = batch.step(split).reward
        assert np.isfinite(reward).all() and np.isfinite(batch.wealth).all(), figures
        total += reward
    return total.reshape(HOUSEHOLDS_PER_SPLIT, len(SPLITS)).T


def test_households_at_the_corners_give_finite_rewards_within_the_documented_range():
    rng = np.random.default_rng(20261201)
    corners = [RICHEST, POOREST, *(corner(rng) for _ in range(40))]
    lowest, highest = EPISODE_REWARD_RANGE
    seen = []
    for seed, figures in enumerate(corners):
        totals = episode_rewards(figures, seed)
        assert lowest <= totals.min() and totals.max() <= highest, (figures, totals.min(), totals.max())
        seen.append((totals.min(), totals.max()))
    assert min(low for low, _ in seen) < -100 and max(high for _, high in seen) > 10_000  # the corners were reached


def over_50_years(field: str, value: float, message: str) -> tuple[dict, str, str]:
    """A household of 600 months whose `field` is `value`: refused with `message` naming the field."""
    return {"months": 600, field: value}, field, message


REFUSED = {
    "tiny income": ({"monthly_income": 1e-9}, "monthly_income", "Must be from 100 to 1,000,000"),
    "income over the cap": ({"monthly_income": 1_000_001}, "monthly_income", "Must be from 100 to 1,000,000"),
    "income a string": ({"monthly_income": "2000"}, "monthly_income", "Not a valid number"),
    "expenses a string": ({"fixed_expenses": "1000"}, "fixed_expenses", "Not a valid number"),
    "rate a string": ({"inflation_annual": "0.02"}, "inflation_annual", "Not a valid number"),
    "income below half the costs": (
        {"monthly_income": 600},
        "monthly_income",
        "Must cover at least 50% of fixed_expenses + variable_expenses_mean (here €600 of €1,400",
    ),
    "std far above the mean": (
        {"variable_expenses_std": 1e8},
        "variable_expenses_std",
        "Must be at most 1 times variable_expenses_mean (here at most €400",
    ),
    "initial cash of centuries": ({"initial_cash": 1e7}, "initial_cash", "at most 120 months of monthly_income"),
    "raises for 50 years": over_50_years("salary_raise_annual", 0.1, "the real income would grow"),
    "returns for 50 years": over_50_years("investment_return_annual", 0.2, "at most 30 fold"),
    "interest for 50 years": over_50_years("savings_interest_annual", 0.2, "at most 30 fold"),
    "inflation for 50 years": over_50_years("inflation_annual", 0.2, "prices would grow 9,100 fold"),
    "volatility for 50 years": over_50_years(
        "investment_volatility_monthly", 0.1, "Must be at most 0.04082 over 600 months"
    ),
    "derived field of the wrong type": ({"read_only": "yes"}, "read_only", "Not a valid boolean"),
}


@pytest.mark.parametrize(("changes", "field", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_out_of_bounds_households_are_refused_in_a_sentence(changes, field, message):
    torino = next(f for f in BUNDLED if f["name"] == "torino_single")
    with pytest.raises(ScenarioError) as refused:
        validate_household({**torino, **changes})
    assert message in " ".join(refused.value.errors[field]), refused.value.errors


def test_the_body_get_returns_is_accepted_and_its_derived_fields_ignored():
    scenario = load_scenario("torino_single")
    body = {**scenario.to_dict(), "name": "copied", "monthly_expenses": 1.0, "monthly_margin": -5, "read_only": True}
    assert validate_household(body).to_dict() == {**scenario.to_dict(), "name": "copied"}
    assert validate_household({**body, "monthly_income": 2000}).monthly_income == 2000.0  # an int for a float field
