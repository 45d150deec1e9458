"""The target-liquidity rules, checked against a plain scalar re-computation of a few households."""

import math

import numpy as np
import pytest

from hrl_trainer.baselines.rules import TargetLiquidity, rule_from, tune_2, tune_4
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.evaluation.scoring import score


def rule_split(money, savings, target, spend_below, spend_above, close):
    """The rule for one household, written out by hand."""
    if money <= 0:
        return 0.0, 1.0, 0.0
    gap = max(target - savings, 0.0)
    spend = (spend_below if gap > 0 else spend_above) * money
    save = min(close * gap, money - spend)
    return (money - spend - save) / money, save / money, spend / money


def live_by_hand(s, events, row, k, spend_below, spend_above, close):
    """One household's total reward, month by month in plain Python floats."""
    monthly = lambda annual: (1 + annual) ** (1 / 12) - 1  # noqa: E731
    cash, savings, invested, price = float(s.initial_cash), 0.0, 0.0, 1.0
    base_income, loss_left = float(s.monthly_income), 0
    last_expenses = s.fixed_expenses + s.variable_expenses_mean
    total = 0.0
    for t in range(s.months):
        income_now = base_income * (s.income_loss_factor if loss_left > 0 else 1.0)
        money = max(cash + income_now - last_expenses, 0.0)
        shares = [
            x if x >= 1e-3 else 0.0
            for x in rule_split(money, savings, k * s.safety_buffer, spend_below, spend_above, close)
        ]
        shares = [x / sum(shares) for x in shares]  # the simulator drops shares under 0.1 %
        wealth_before = (cash + savings + invested) / price
        invested += invested * events.market_return[row, t]
        savings += savings * monthly(s.savings_interest_annual)
        if t > 0 and t % 12 == 0:
            base_income *= 1 + s.salary_raise_annual
        if loss_left == 0 and events.loss_start[row, t]:
            loss_left = int(events.loss_months[row, t])
        income = base_income * (s.income_loss_factor if loss_left > 0 else 1.0)
        loss_left = max(loss_left - 1, 0)
        price *= 1 + monthly(s.inflation_annual)
        fixed = s.fixed_expenses * price
        variable = max(s.variable_expenses_mean + s.variable_expenses_std * events.variable_noise[row, t], 0.0)
        expenses = fixed + variable * price + (s.shock_cost_multiplier * fixed if events.shock[row, t] else 0.0)
        last_expenses = expenses
        cash += income - expenses
        missing = max(-cash, 0.0)
        from_savings = min(missing, savings)
        savings -= from_savings
        cash += from_savings
        sold = min((missing - from_savings) / (1 - s.sell_cost), invested)
        invested -= sold
        cash += sold * (1 - s.sell_cost)
        broke = cash < -0.005
        available = 0.0 if broke else max(cash, 0.0)
        invested += shares[0] * available
        savings += shares[1] * available
        spending = shares[2] * available
        cash -= available
        liquid = cash + savings
        reward = ((cash + savings + invested) / price - wealth_before) / s.monthly_income
        reward += 0.12 * math.log1p(spending / price / (0.05 * s.monthly_income))
        reward -= (1 - s.risk_tolerance) * min(max((s.safety_buffer - liquid) / max(s.safety_buffer, 1.0), 0.0), 1.0)
        total += reward - 25.0 * broke
        if broke:
            break
    return total


@pytest.mark.parametrize("scenario_name", ["bologna_coppia", "roma_famiglia"])
@pytest.mark.parametrize(
    "params",
    [
        {"k": 1.5, "spend": 0.2},
        {"k": 0.0, "spend": 0.9},
        {"k": 3.0, "spend_below": 0.05, "spend_above": 0.4, "close": 0.25},
        {"k": 6.0, "spend_below": 0.5, "spend_above": 0.0, "close": 1.0},
    ],
)
def test_each_rule_scores_as_a_hand_computation_says(scenario_name, params):
    from hrl_trainer import load_scenario

    scenario = load_scenario(scenario_name)
    events = fixed_households(scenario, 6, "tuning")
    stats = score(scenario, events, rule_from(params))
    four = (
        (params["k"], params["spend"], params["spend"], 1.0)
        if "spend" in params
        else (params["k"], params["spend_below"], params["spend_above"], params["close"])
    )
    expected = [live_by_hand(scenario, events, row, *four) for row in range(6)]
    np.testing.assert_allclose(stats.reward, expected, rtol=1e-9, atol=1e-9)


def test_the_rule_keeps_the_target_and_splits_the_money_as_told(bologna):
    """One month by hand: savings below the target get min(close * gap, what is left after spending)."""
    from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents

    batch = HouseholdBatch(bologna, LifeEvents.draw(bologna, 3, np.random.default_rng(0)))
    batch.savings[:] = [0.0, 3000.0, 20000.0]
    rule = TargetLiquidity(k=2.0, spend_below=0.1, spend_above=0.5, close=0.5)
    rule.reset(batch)
    money = 10000 + 3200 - 2600  # initial cash + income - last month's expenses
    split = rule.act(batch)
    gaps = np.array([7000.0, 4000.0, 0.0])
    save = np.minimum(0.5 * gaps, 0.9 * money) / money
    np.testing.assert_allclose(split[:, 1], save)
    np.testing.assert_allclose(split[:, 2], [0.1, 0.1, 0.5])
    np.testing.assert_allclose(split.sum(axis=1), 1.0)


def test_tuning_picks_the_best_of_its_grid_on_the_tuning_households(bologna):
    tuning = fixed_households(bologna, 20, "tuning")
    two = tune_2(bologna, tuning)
    four = tune_4(bologna, tuning, start=two, rounds=1)
    mean = lambda params: score(bologna, tuning, rule_from(params)).reward.mean()  # noqa: E731
    assert set(two) == {"k", "spend"} and set(four) == {"k", "spend_below", "spend_above", "close"}
    assert mean(four) >= mean(two)  # the four-number search starts from the two-number rule
    for k, spend in [(0.0, 0.0), (1.0, 0.1), (2.0, 0.3), (3.0, 0.05)]:
        assert mean(two) >= mean({"k": k, "spend": spend})
