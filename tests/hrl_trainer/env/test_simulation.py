"""The month: money conservation, compounding, life events, termination, determinism."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrl_trainer.env.scenarios import scenario_from_dict
from hrl_trainer.env.simulation import HouseholdBatch, LifeEvents, monthly_rate, to_split


def make_batch(scenario, households=64, seed=0):
    return HouseholdBatch(scenario, LifeEvents.draw(scenario, households, np.random.default_rng(seed)))


def live(batch, policy):
    total = np.zeros(batch.size)
    while not batch.done:
        total += batch.step(policy(batch)).reward
    return total


scenario_dicts = st.fixed_dictionaries(
    {
        "name": st.just("prop"),
        "monthly_income": st.floats(100, 20000),
        "fixed_expenses": st.floats(0, 15000),
        "variable_expenses_mean": st.floats(0, 5000),
        "variable_expenses_std": st.floats(0, 2000),
        "safety_buffer": st.floats(0, 50000),
        "months": st.integers(1, 60),
        "initial_cash": st.floats(0, 100000),
        "risk_tolerance": st.floats(0, 1),
        "inflation_annual": st.floats(-0.05, 0.3),
        "investment_return_annual": st.floats(-0.3, 0.3),
        "investment_volatility_monthly": st.floats(0, 0.2),
        "shock_probability_monthly": st.floats(0, 1),
        "income_loss_probability_monthly": st.floats(0, 1),
        "sell_cost": st.floats(0, 0.2),
    }
)


@settings(max_examples=40, deadline=None)
@given(raw=scenario_dicts, seed=st.integers(0, 2**31))
def test_money_is_conserved_to_the_cent(raw, seed):
    scenario = scenario_from_dict(raw)
    batch = make_batch(scenario, households=8, seed=seed)
    rng = np.random.default_rng(seed)
    while not batch.done:
        result = batch.step(rng.dirichlet(np.full(3, 0.5), size=batch.size))
        assert np.all(np.isfinite(result.reward))
        assert np.all(np.isfinite(batch.observe()))
        ledger = batch.ledger
        sources = scenario.initial_cash + ledger.income + ledger.interest + ledger.market
        uses = ledger.expenses + ledger.spending + ledger.sell_cost
        np.testing.assert_allclose(batch.wealth, sources - uses, atol=0.005, rtol=0)


def test_annual_rates_compound_to_the_annual_figure():
    assert (1 + monthly_rate(0.02)) ** 12 == pytest.approx(1.02, abs=1e-12)
    assert monthly_rate(0.06) == pytest.approx(0.0048676, abs=1e-6)


def test_prices_grow_two_percent_a_year_not_a_month(bologna):
    batch = make_batch(bologna)
    for _ in range(12):
        batch.step(np.tile([0.0, 1.0, 0.0], (batch.size, 1)))
    assert batch.alive.sum() > 50
    np.testing.assert_allclose(batch.price[batch.alive], 1.02)


def test_save_and_spend_have_different_effects(bologna):
    saver, spender = make_batch(bologna), make_batch(bologna)
    live(saver, lambda b: np.tile([0.0, 1.0, 0.0], (b.size, 1)))
    live(spender, lambda b: np.tile([0.0, 0.0, 1.0], (b.size, 1)))
    assert saver.savings.mean() > 20000
    assert spender.ledger.spending.mean() > 10000
    assert spender.ledger.spending.mean() > saver.ledger.spending.mean()
    assert spender.broke.mean() > saver.broke.mean()


def test_going_broke_terminates_with_the_penalty(bologna):
    batch = make_batch(bologna, households=256)
    terminated_rewards = []
    while not batch.done:
        result = batch.step(np.tile([0.0, 0.0, 1.0], (batch.size, 1)))
        terminated_rewards.extend(result.reward[result.terminated])
        assert not np.any(result.active & ~batch.alive & ~result.terminated)
    assert batch.broke.all()
    assert max(terminated_rewards) < -batch.weights.broke_penalty + 5
    assert np.all(batch.duration < bologna.months)
    assert np.all(batch.invested == 0) and np.all(batch.savings == 0)


def test_horizon_ends_the_episode(bologna):
    batch = make_batch(bologna, households=16)
    live(batch, lambda b: np.tile([0.3, 0.6, 0.1], (b.size, 1)))
    assert batch.month == bologna.months
    assert np.all(batch.duration[~batch.broke] == bologna.months)
    with pytest.raises(RuntimeError, match=r"^step\(\) called on a finished batch; call reset\(\)$"):
        batch.step(np.tile([1.0, 0.0, 0.0], (batch.size, 1)))


def test_every_point_of_the_simplex_is_reachable():
    corners = np.eye(3)
    np.testing.assert_array_equal(to_split(corners), corners)
    np.testing.assert_array_equal(to_split([[0.9995, 0.0004, 0.0001]]), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(to_split([[2.0, 1.0, 1.0]]), [[0.5, 0.25, 0.25]])


def test_all_invested_grows_the_portfolio_and_all_saved_keeps_the_buffer(bologna):
    investor, saver = make_batch(bologna), make_batch(bologna)
    live(investor, lambda b: np.tile([1.0, 0.0, 0.0], (b.size, 1)))
    live(saver, lambda b: np.tile([0.0, 1.0, 0.0], (b.size, 1)))
    assert investor.invested.mean() > saver.savings.mean()
    assert (saver.months_above_buffer / saver.duration).mean() > 0.95
    assert (investor.months_above_buffer / investor.duration).mean() < 0.2


def test_life_events_happen_at_their_rates(bologna):
    events = LifeEvents.draw(bologna, 2000, np.random.default_rng(1))
    assert events.shock.mean() == pytest.approx(bologna.shock_probability_monthly, abs=0.005)
    assert events.loss_start.mean() == pytest.approx(bologna.income_loss_probability_monthly, abs=0.001)
    assert events.loss_months.min() == 2 and events.loss_months.max() == 6
    assert events.market_return.mean() == pytest.approx(monthly_rate(0.06), abs=0.0005)


def test_same_seed_same_month_by_month_results(bologna):
    results = []
    for _ in range(2):
        batch = make_batch(bologna, seed=7)
        rng = np.random.default_rng(3)
        results.append(live(batch, lambda b: rng.dirichlet(np.ones(3), size=b.size)))
    np.testing.assert_array_equal(results[0], results[1])
    other = live(make_batch(bologna, seed=8), lambda b: np.tile([0.3, 0.6, 0.1], (b.size, 1)))
    assert not np.array_equal(results[0], other)


def test_the_executor_policy_reaches_the_corners_exactly():
    from hrl_trainer.agents.goal_rule import executor_split
    from hrl_trainer.agents.networks import Executor

    executor = Executor(obs_dim=4)
    logits = np.array([[12.0, 0.0, 0.0], [0.0, 12.0, 0.0], [0.0, 0.0, 12.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    split = executor_split(executor, None, None, logits)  # a flat Executor needs neither the batch nor a goal
    np.testing.assert_array_equal(to_split(split)[:3], np.eye(3))
    np.testing.assert_allclose(to_split(split)[3], [1 / 3] * 3, rtol=1e-6)


# --- the month's reward and the observation, on hand-computed numbers ------------------------------------
CALM = {
    "name": "calm",
    "monthly_income": 2000.0,
    "fixed_expenses": 1000.0,
    "variable_expenses_mean": 500.0,
    "variable_expenses_std": 0.0,
    "safety_buffer": 3000.0,
    "months": 12,
    "initial_cash": 1000.0,
    "risk_tolerance": 0.5,
    "inflation_annual": 0.12,
    "investment_return_annual": 0.0,
    "investment_volatility_monthly": 0.0,
    "savings_interest_annual": 0.0,
    "shock_probability_monthly": 0.0,
    "income_loss_probability_monthly": 0.0,
    "sell_cost": 0.0,
}
"""No randomness at all: markets flat, no shocks, no income loss; prices rise 12 % a year."""


def first_month(raw: dict, split) -> tuple[HouseholdBatch, float]:
    scenario = scenario_from_dict(raw)
    batch = make_batch(scenario, households=1)
    return batch, float(batch.step(np.array([split])).reward[0])


def test_the_monthly_reward_on_hand_computed_numbers():
    batch, reward = first_month(CALM, [0.2, 0.5, 0.3])
    price = 1.12 ** (1 / 12)  # 1.009489
    cash = 1000 + 2000 - 1500 * price  # income in, fixed and variable expenses (inflated) out
    invested, saved, spent = 0.2 * cash, 0.5 * cash, 0.3 * cash
    wealth_gain = ((invested + saved) / price - 1000) / 2000  # real wealth, in first-month incomes
    joy = 0.12 * math.log1p(spent / price / (0.05 * 2000))
    buffer_penalty = 1.0 * (1 - 0.5) * (3000 - saved) / 3000  # liquid money under the buffer, pro rata
    assert reward == pytest.approx(wealth_gain + joy - buffer_penalty, abs=1e-9)
    assert buffer_penalty == pytest.approx(0.3762, abs=1e-4) and wealth_gain == pytest.approx(0.0151, abs=1e-4)
    assert (batch.invested[0], batch.savings[0], batch.cash[0]) == pytest.approx((invested, saved, 0.0))


def test_no_buffer_penalty_at_or_above_the_buffer_and_a_full_one_when_empty():
    _, reward = first_month({**CALM, "safety_buffer": 500.0}, [0.0, 1.0, 0.0])
    price = 1.12 ** (1 / 12)
    saved = 1000 + 2000 - 1500 * price
    assert reward == pytest.approx((saved / price - 1000) / 2000, abs=1e-9)  # no joy, no penalty
    _, reward = first_month(CALM, [1.0, 0.0, 0.0])
    invested = 1000 + 2000 - 1500 * price
    assert reward == pytest.approx((invested / price - 1000) / 2000 - 0.5, abs=1e-9)  # nothing liquid: 0.5 x 1


def test_going_broke_costs_the_penalty_on_top_of_the_month():
    broke = {
        **CALM,
        "monthly_income": 1000.0,
        "fixed_expenses": 3000.0,
        "variable_expenses_mean": 0.0,
        "initial_cash": 500.0,
        "safety_buffer": 1000.0,
        "inflation_annual": 0.0,
    }
    batch, reward = first_month(broke, [0.3, 0.3, 0.4])
    # 500 + 1000 - 3000 = -1500 with nothing to sell: broke, real wealth -1500 (a fall of 2 incomes),
    # liquid money under the buffer entirely (penalty 0.5), plus the broke penalty
    assert reward == pytest.approx(-2.0 - 0.5 - 25.0, abs=1e-9)
    assert batch.broke[0] and not batch.alive[0] and batch.duration[0] == 1


def test_the_observation_on_hand_computed_numbers():
    raw = {**CALM, "investment_return_annual": 0.12}
    batch = make_batch(scenario_from_dict(raw), households=1)
    np.testing.assert_allclose(
        batch.observe()[0],
        [
            1000 / 3000,  # liquid_in_buffers
            1000 / 1500,  # months_covered: the first month's expected expenses
            0.0,
            0.0,  # invested_in_years, portfolio_share
            1.0,  # time_left
            1.0,
            0.0,  # income_ratio, income_loss_left
            1.0,  # price_level
            1500 / 2000,  # expenses_ratio
            0.5 * (3000 - 1000) / 3000,  # buffer_penalty
            1000 / 24000,  # real_wealth_in_years
        ],
        rtol=1e-6,
    )
    batch.step(np.array([[0.5, 0.5, 0.0]]))
    batch.step(np.array([[0.5, 0.5, 0.0]]))
    price, growth = 1.12 ** (2 / 12), 1.12 ** (1 / 12)
    cash1 = 1000 + 2000 - 1500 * growth
    invested = 0.5 * cash1 * growth + 0.5 * (2000 - 1500 * price)  # month 1: the market moved, then new money
    saved = 0.5 * cash1 + 0.5 * (2000 - 1500 * price)
    np.testing.assert_allclose(
        batch.observe()[0],
        [
            saved / 3000,
            saved / (1500 * price),
            invested / 24000,
            invested / (invested + saved),
            1 - 2 / 12,
            1.0,
            0.0,
            price,
            1500 * price / 2000,
            0.5 * (3000 - saved) / 3000,
            (invested + saved) / price / 24000,
        ],
        rtol=1e-6,
    )


def test_the_observation_sees_an_income_loss_and_an_empty_household():
    raw = {
        **CALM,
        "income_loss_probability_monthly": 1.0,
        "income_loss_min_months": 4,
        "income_loss_max_months": 4,
        "income_loss_factor": 0.25,
        "initial_cash": 0.0,
    }
    batch = make_batch(scenario_from_dict(raw), households=1)
    obs = batch.observe()[0]
    assert obs[3] == 0.0 and obs[9] == pytest.approx(0.5) and obs[1] == 0.0  # no wealth: share 0, full penalty
    batch.step(np.array([[0.0, 0.0, 1.0]]))  # the loss starts in month 0 and has 3 months left
    obs = batch.observe()[0]
    assert obs[5] == pytest.approx(0.25) and obs[6] == pytest.approx(3 / 4)


def calm_batch(households: int = 1, **changes) -> HouseholdBatch:
    return make_batch(scenario_from_dict({**CALM, **changes}), households=households)


def test_the_second_month_is_scored_in_real_terms_too():
    batch = calm_batch()
    batch.step(np.array([[0.0, 1.0, 0.0]]))
    price1, price2 = 1.12 ** (1 / 12), 1.12 ** (2 / 12)
    saved1 = 1000 + 2000 - 1500 * price1
    reward = float(batch.step(np.array([[0.0, 1.0, 0.0]])).reward[0])
    saved2 = saved1 + 2000 - 1500 * price2
    expected = (saved2 / price2 - saved1 / price1) / 2000 - 0.5 * max(3000 - saved2, 0) / 3000
    assert reward == pytest.approx(expected, abs=1e-9)


def test_income_rises_every_twelve_months_and_is_cut_exactly_while_a_loss_lasts():
    batch = calm_batch(months=14, salary_raise_annual=0.1, income_loss_factor=0.25, initial_cash=100000.0)
    batch.events.loss_start[0, 5] = True  # one loss, starting in month 5, lasting 3 months
    batch.events.loss_months[0, 5] = 3
    incomes, income_ratio, loss_left = [], [], []
    while not batch.done:
        before = batch.ledger.income[0]
        obs = batch.observe()[0]
        income_ratio.append(obs[5])
        loss_left.append(obs[6])
        batch.step(np.array([[0.0, 1.0, 0.0]]))
        incomes.append(batch.ledger.income[0] - before)
    assert incomes == pytest.approx([2000] * 5 + [500] * 3 + [2000] * 4 + [2200] * 2)
    assert income_ratio == pytest.approx([1] * 6 + [0.25] * 2 + [1] * 5 + [1.1])  # seen the month after
    assert loss_left == pytest.approx([0] * 6 + [2 / 6, 1 / 6] + [0] * 6)


def test_variable_expenses_follow_their_noise():
    batch = calm_batch(variable_expenses_std=100.0, inflation_annual=0.0)
    batch.events.variable_noise[0, 0] = 2.0
    batch.step(np.array([[0.0, 1.0, 0.0]]))
    assert batch.ledger.expenses[0] == pytest.approx(1000 + 500 + 2 * 100)


def test_a_shortfall_is_paid_from_savings_then_by_selling_at_a_cost():
    batch = calm_batch(
        inflation_annual=0.0, sell_cost=0.1, fixed_expenses=2500.0, variable_expenses_mean=0.0, initial_cash=0.0
    )
    batch.savings[0], batch.invested[0] = 300.0, 1000.0  # month 0: 2000 in, 2500 out: 500 missing
    batch.step(np.array([[0.0, 1.0, 0.0]]))
    sold = 200 / 0.9  # after the 300 of savings, 200 more at a 10 % cost
    assert (batch.savings[0], batch.invested[0], batch.cash[0]) == pytest.approx((0.0, 1000 - sold, 0.0))
    assert batch.ledger.sell_cost[0] == pytest.approx(sold * 0.1) and batch.alive[0]


def test_half_a_euro_short_is_broke_and_half_a_euro_spare_is_split():
    batch = calm_batch(
        households=2, inflation_annual=0.0, initial_cash=0.0, variable_expenses_mean=0.0, fixed_expenses=2000.5
    )
    batch.cash[1] = 1.0  # household 1 has 0.5 left after expenses
    result = batch.step(np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]))
    assert result.terminated.tolist() == [True, False] and batch.alive.tolist() == [False, True]
    assert batch.savings[1] == pytest.approx(0.5) and batch.cash[1] == pytest.approx(0.0)


def test_a_broke_household_stays_as_it_was():
    batch = calm_batch(households=2, initial_cash=0.0, fixed_expenses=3000.0, variable_expenses_mean=0.0)
    batch.cash[1] = 1e6
    batch.step(np.array([[0.0, 1.0, 0.0]] * 2))

    def state():
        return (batch.price[0], batch.cash[0], batch.duration[0], np.delete(batch.observe()[0], 4).tolist())

    frozen = state()  # all but time_left, which is the month's
    batch.step(np.array([[0.0, 1.0, 0.0]] * 2))
    assert state() == frozen
    assert batch.price[1] == pytest.approx(1.12 ** (2 / 12)) and batch.duration.tolist() == [1, 2]


def test_a_month_exactly_at_the_buffer_counts_as_stable():
    batch = calm_batch(inflation_annual=0.0, monthly_income=1500.0, safety_buffer=1000.0)
    batch.step(np.array([[0.0, 1.0, 0.0]]))
    assert batch.liquid[0] == 1000.0 and batch.months_above_buffer[0] == 1


def test_observations_without_a_buffer_or_expenses_and_at_the_limits():
    batch = calm_batch(households=4, safety_buffer=0.0, fixed_expenses=0.0, variable_expenses_mean=0.0)
    batch.last_expenses[:] = 0.0
    batch.cash[:] = [0.75, 1e6, -1e6, 0.25]
    batch.invested[3] = 0.25  # half of a wealth of 0.5 euro is invested
    obs = batch.observe()
    np.testing.assert_allclose(obs[:, 0], [0.75, 100.0, -100.0, 0.25])  # liquid / max(buffer, 1), clipped to 100
    np.testing.assert_allclose(obs[:, 1], [0.75, 100.0, -100.0, 0.25])  # liquid / max(expenses, 1)
    np.testing.assert_allclose(obs[:, 3], [0.0, 0.0, 0.0, 0.5])
    np.testing.assert_allclose(obs[:, 9], [0.0, 0.0, 0.5, 0.0])  # no buffer, no penalty (unless in debt)


def test_to_split_edge_cases():
    np.testing.assert_allclose(to_split([[-1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(to_split([0.0, 0.0, 0.0]), [1 / 3, 1 / 3, 1 / 3])  # one row, without a batch axis
    np.testing.assert_allclose(to_split([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5])
    np.testing.assert_allclose(to_split([[0.001, 0.5, 0.499]]), [[0.001, 0.5, 0.499]])  # the smallest share kept


def test_market_returns_never_lose_more_than_95_percent():
    scenario = scenario_from_dict({**CALM, "investment_volatility_monthly": 0.5})
    events = LifeEvents.draw(scenario, 50, np.random.default_rng(0))
    assert events.market_return.min() == -0.95 and (events.market_return == -0.95).mean() > 0.01


def test_a_buffer_under_one_euro_is_penalised_in_euros():
    batch = calm_batch(safety_buffer=1.5, initial_cash=0.0)
    assert batch._buffer_penalty()[0] == pytest.approx(0.5 * 1.5 / 1.5)
    batch.cash[0] = 1.0
    assert batch._buffer_penalty()[0] == pytest.approx(0.5 * 0.5 / 1.5)


# --- the month's money: one reckoning (`month_money`) for the simulator, the rules and advice -------------------
def random_household_state(scenario, rng: np.random.Generator, households: int) -> dict:
    """Balances (B,) and months of income loss left (B,) of `households` households, at random."""
    return {
        "cash": rng.uniform(0, 5000, households),
        "savings": rng.uniform(0, 50000, households),
        "invested": rng.uniform(0, 50000, households),
        "loss_left": rng.integers(0, scenario.income_loss_max_months + 1, households),
    }


@settings(max_examples=30, deadline=None)
@given(raw=scenario_dicts, seed=st.integers(0, 2**31))
def test_a_calm_month_is_lived_as_expected_money_reckons_it(raw, seed):
    """Advice's reckoning of the coming month (`expected_money`) is what `step` does in a life without luck:
    the same income to the bit, the same expenses, and the money left over is what a spend-all split spends."""
    scenario, rng = scenario_from_dict(raw), np.random.default_rng(seed)
    month = int(rng.integers(0, scenario.months))
    batch = HouseholdBatch.at_month(scenario, month, **random_household_state(scenario, rng, 6))
    expected = batch.expected_money()
    assert batch.size == 6 and [part.shape for part in expected] == [(6,)] * 3
    cash = batch.cash.copy()
    result = batch.step(np.tile([0.0, 0.0, 1.0], (6, 1)))
    np.testing.assert_array_equal(batch.ledger.income, expected.income)
    np.testing.assert_allclose(batch.ledger.expenses, expected.expenses, rtol=1e-12)
    np.testing.assert_allclose(expected.money, cash + expected.income - expected.expenses, rtol=1e-12, atol=1e-9)
    left = expected.money >= 0
    np.testing.assert_allclose(result.spending[left], expected.money[left], rtol=1e-12)
    np.testing.assert_allclose(result.spending[~left], 0.0, atol=0.01)  # a shortfall: nothing to split


@settings(max_examples=30, deadline=None)
@given(raw=scenario_dicts, seed=st.integers(0, 2**31))
def test_the_rules_estimate_the_month_with_month_money(raw, seed):
    """Some months into random lives, the rules' estimate is `month_money` of the current income and last
    month's expenses: income cut during an income loss, the money never negative."""
    from hrl_trainer.baselines.rules import estimated_money
    from hrl_trainer.env.simulation import month_money

    scenario, rng = scenario_from_dict(raw), np.random.default_rng(seed)
    batch = make_batch(scenario, households=8, seed=seed)
    for _ in range(int(rng.integers(0, scenario.months))):
        batch.step(rng.dirichlet(np.ones(3), size=8))
        if batch.done:
            break
    estimate = estimated_money(batch)
    reckoned = month_money(scenario, batch.cash, batch.base_income, batch.loss_left, batch.last_expenses)
    assert estimate.shape == (8,) and [part.shape for part in reckoned] == [(8,)] * 3
    np.testing.assert_array_equal(estimate, np.maximum(reckoned.money, 0.0))
    cut = np.where(batch.loss_left > 0, scenario.income_loss_factor, 1.0)
    np.testing.assert_array_equal(reckoned.income, batch.base_income * cut)
    np.testing.assert_array_equal(reckoned.expenses, batch.last_expenses)
    np.testing.assert_allclose(
        reckoned.money, batch.cash + batch.base_income * cut - batch.last_expenses, rtol=1e-12, atol=1e-9
    )


@settings(max_examples=20, deadline=None)
@given(raw=scenario_dicts, split=st.sampled_from([[0.2, 0.5, 0.3], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
def test_a_household_at_month_m_is_where_a_calm_life_brings_it(raw, split):
    """`HouseholdBatch.at_month` holds the state the simulator reaches after m calm months: prices, salary,
    last month's expenses and so the observation."""
    scenario = scenario_from_dict({**raw, "salary_raise_annual": 0.05, "income_loss_probability_monthly": 0.0})
    lived = HouseholdBatch(scenario, LifeEvents.calm(scenario, 3))
    while not lived.done and lived.month < 30:
        lived.step(np.tile(split, (3, 1)))
    at = HouseholdBatch.at_month(scenario, lived.month, lived.cash, lived.savings, lived.invested)
    alive = lived.alive
    assert at.size == 3 and at.month == lived.month
    for name in ("price", "base_income", "last_expenses", "cash", "savings", "invested"):
        np.testing.assert_allclose(getattr(at, name)[alive], getattr(lived, name)[alive], rtol=1e-9, err_msg=name)
    np.testing.assert_allclose(at.observe()[alive], lived.observe()[alive], rtol=1e-5, atol=1e-6)
