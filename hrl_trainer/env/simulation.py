"""The month: B households stepped side by side as NumPy arrays.

Every random draw of a household's life (market returns, variable expenses,
unexpected costs, income losses) is drawn up front in `LifeEvents`, one row per
household, independent of the actions taken. Two policies run on the same rows
therefore face exactly the same luck, which makes paired comparisons exact.

Month t, in order: markets move and savings earn interest; income arrives
(raised every 12 months, cut during an income loss); expenses are paid (fixed
and variable, both growing with inflation, plus any unexpected cost). A
shortfall is covered from savings, then by selling investments at
`sell_cost`; if money is still missing the household is broke and its
episode terminates with `broke_penalty`. Otherwise the month's cash is split
by the action into investments, savings and discretionary spending, and the
cash account ends the month empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from hrl_trainer.env.scenarios import Scenario

OBS_FEATURES = (
    "liquid_in_buffers",  # cash + savings, in safety buffers
    "months_covered",  # cash + savings, in months of the latest expenses
    "invested_in_years",  # portfolio value, in years of the first month's income
    "portfolio_share",  # portfolio value / wealth (0 with no wealth)
    "time_left",  # share of the horizon still ahead
    "income_ratio",  # this month's income (cut during an income loss) / the first month's
    "income_loss_left",  # months of income loss left / the longest possible loss
    "price_level",  # prices / prices at month 0
    "expenses_ratio",  # the latest month's expenses / the first month's income
    "buffer_penalty",  # the reward's penalty for the current liquid balance (risk-weighted shortfall)
    "real_wealth_in_years",  # wealth in month-0 euros, in years of the first month's income
)
"""The observation layout: what each column of `HouseholdBatch.observe()` means (checkpoints record it)."""
OBS_DIM = len(OBS_FEATURES)
SPLIT_NAMES = ("invest", "save", "spend")


def monthly_rate(annual: float) -> float:
    """Convert an annual rate to the monthly rate that compounds to it."""
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0


def to_split(actions: np.ndarray, min_share: float = 1e-3) -> np.ndarray:
    """Project rows onto the simplex; shares under `min_share` become exactly 0."""
    shares = np.clip(np.asarray(actions, dtype=np.float64), 0.0, None)
    shares = np.where(shares < min_share, 0.0, shares)
    total = shares.sum(axis=-1, keepdims=True)
    uniform = np.full_like(shares, 1.0 / shares.shape[-1])
    return np.where(total > 0, shares / np.where(total > 0, total, 1.0), uniform)


def is_raise_month(month: int) -> bool:
    """The salary is raised during months 12, 24, ... (by the scenario's annual raise)."""
    return month > 0 and month % 12 == 0


def expected_expenses(scenario: Scenario, price: np.ndarray) -> np.ndarray:
    """A month's expenses without luck at the price level `price` (B,): fixed plus mean variable, no unexpected cost."""
    return (scenario.fixed_expenses + scenario.variable_expenses_mean) * price


class MonthMoney(NamedTuple):
    """A month's money per household: arrays (B,), nominal euros."""

    income: np.ndarray
    """The income, after any income loss."""
    expenses: np.ndarray
    """The expenses counted against it."""
    money: np.ndarray
    """cash + (income - expenses): what is left to split; negative, the shortfall savings and investments cover."""


def income_after_loss(scenario: Scenario, base_income: np.ndarray, loss_left: np.ndarray) -> np.ndarray:
    """The month's income (B,): `base_income`, cut to the scenario's `income_loss_factor` while an income loss
    lasts (`loss_left` > 0, int)."""
    return base_income * np.where(loss_left > 0, scenario.income_loss_factor, 1.0)


def month_money(
    scenario: Scenario,
    cash: np.ndarray,
    base_income: np.ndarray,
    loss_left: np.ndarray,
    expenses: np.ndarray,
    living: np.ndarray | None = None,
) -> MonthMoney:
    """The one reckoning of a month's money, for B households (every array (B,); `loss_left` int).

    The income is `income_after_loss`, and 0 for households whose `living` (float (B,), 1.0 or 0.0) is 0.
    `HouseholdBatch.step` counts the month with its drawn expenses, `HouseholdBatch.expected_money` without luck
    (what advice plans with), and the target-liquidity rules estimate it from last month's expenses."""
    income = income_after_loss(scenario, base_income, loss_left)
    if living is not None:
        income *= living
    money = income - expenses
    money += cash
    return MonthMoney(income, expenses, money)


@dataclass(frozen=True)
class RewardWeights:
    """How a month is scored; sized so that a month's reward is of order one."""

    wealth: float = 1.0
    """Weight of the change in real wealth, in units of the first month's income."""
    spend: float = 0.12
    """Weight of the utility log(1 + spending / spend_scale) of discretionary spending."""
    spend_scale: float = 0.05
    """Spending (as a share of the first month's income) where the utility starts to flatten."""
    buffer: float = 1.0
    """Penalty for an empty buffer, times (1 - risk tolerance), pro rata below the safety buffer."""
    broke_penalty: float = 25.0
    """Penalty for running out of money, which also ends the episode."""


@dataclass(frozen=True)
class LifeEvents:
    """Pre-drawn randomness for `households` x `months`, independent of the actions."""

    market_return: np.ndarray
    variable_noise: np.ndarray
    shock: np.ndarray
    loss_start: np.ndarray
    loss_months: np.ndarray

    @classmethod
    def draw(cls, scenario: Scenario, households: int, rng: np.random.Generator) -> LifeEvents:
        shape = (households, scenario.months)
        mean = monthly_rate(scenario.investment_return_annual)
        return cls(
            market_return=np.maximum(rng.normal(mean, scenario.investment_volatility_monthly, shape), -0.95),
            variable_noise=rng.standard_normal(shape),
            shock=rng.random(shape) < scenario.shock_probability_monthly,
            loss_start=rng.random(shape) < scenario.income_loss_probability_monthly,
            loss_months=rng.integers(scenario.income_loss_min_months, scenario.income_loss_max_months + 1, shape),
        )

    @classmethod
    def calm(cls, scenario: Scenario, households: int) -> LifeEvents:
        """Lives without luck: markets at their mean return, variable expenses at their mean, no unexpected
        cost, no income loss."""
        shape = (households, scenario.months)
        return cls(
            market_return=np.full(shape, monthly_rate(scenario.investment_return_annual)),
            variable_noise=np.zeros(shape),
            shock=np.zeros(shape, dtype=bool),
            loss_start=np.zeros(shape, dtype=bool),
            loss_months=np.zeros(shape, dtype=np.int64),
        )

    @property
    def households(self) -> int:
        return self.market_return.shape[0]


@dataclass
class Ledger:
    """Running totals per household: where every euro came from and went to."""

    income: np.ndarray
    expenses: np.ndarray
    spending: np.ndarray
    interest: np.ndarray
    market: np.ndarray
    sell_cost: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> Ledger:
        return cls(*(np.zeros(n) for _ in range(6)))


@dataclass
class StepResult:
    """What one month did to each household (arrays of length B)."""

    reward: np.ndarray
    terminated: np.ndarray
    active: np.ndarray
    spending: np.ndarray
    """Discretionary spending of the month, nominal euros (what simulations report in today's euros)."""
    split: np.ndarray
    """(B, 3) invest / save / spend shares the month's money was split by (the policy's, on the simplex)."""


def _state() -> Any:
    """A field of the batch's state: set by `reset()`, not by the constructor, and left out of repr and ==."""
    return field(init=False, repr=False, compare=False)


@dataclass
class HouseholdBatch:
    """B households of one scenario; row i lives the life of `events` row `rows[i]`.

    The state below (arrays of length B, nominal euros unless said otherwise) is what a `Policy` may read,
    with `observe()`; `events` is the households' pre-drawn future, which a policy must never read."""

    scenario: Scenario
    """The household's figures (income, expenses, safety buffer, horizon `months`, ...)."""
    events: LifeEvents
    """The pre-drawn luck of every life (market returns, costs, income losses): the future, not for policies."""
    rows: np.ndarray | None = None
    """Per household, the row of `events` it lives (households sharing a row are siblings); default: one each."""
    weights: RewardWeights = field(default_factory=RewardWeights)
    """How a month is scored."""

    month: int = _state()
    """Months lived so far: the month about to be lived (0 after `reset()`)."""
    cash: np.ndarray = _state()
    """The current account; empty at the end of every month (the split has shared it out)."""
    savings: np.ndarray = _state()
    """The savings account, earning the scenario's savings interest."""
    invested: np.ndarray = _state()
    """The portfolio's market value."""
    base_income: np.ndarray = _state()
    """Monthly income before any income loss, raised every 12 months."""
    price: np.ndarray = _state()
    """The price level, 1 at month 0 (divide by it for today's euros)."""
    loss_left: np.ndarray = _state()
    """Months of income loss still ahead (0: no income loss), int."""
    last_expenses: np.ndarray = _state()
    """The latest month's expenses (fixed, variable and unexpected costs)."""
    alive: np.ndarray = _state()
    """bool: the household is still living its episode (not broke); `act` rows of the others are ignored."""
    broke: np.ndarray = _state()
    """bool: the household ran out of money, which ended its episode."""
    duration: np.ndarray = _state()
    """Months lived by each household, int."""
    months_above_buffer: np.ndarray = _state()
    """Months that ended with `liquid` at or above the scenario's safety buffer, int."""
    ledger: Ledger = _state()
    """Running totals: where every euro came from and went to."""

    def __post_init__(self) -> None:
        self.rows = np.arange(self.events.households) if self.rows is None else np.asarray(self.rows)
        s = self.scenario
        self._inflation = monthly_rate(s.inflation_annual)
        self._interest = monthly_rate(s.savings_interest_annual)
        self.reset()

    @classmethod
    def at_month(
        cls,
        scenario: Scenario,
        month: int,
        cash: Any,
        savings: Any,
        invested: Any,
        loss_left: Any = 0,
        events: LifeEvents | None = None,
    ) -> HouseholdBatch:
        """Households at the start of `month` with these balances (scalars, or (B,) arrays), in the state the
        simulator would hold: prices and salary grown since month 0, the latest month's expenses as expected
        (`expected_expenses`), `loss_left` months of income loss ahead. Their future is `events` (B rows;
        default: calm lives, `LifeEvents.calm`)."""
        households = np.broadcast(cash, savings, invested, loss_left).size
        batch = cls(scenario, events if events is not None else LifeEvents.calm(scenario, households))
        raises = (month - 1) // 12 if month > 0 else 0  # the raise of month 12k is paid during that month
        batch.month = month
        batch.cash[:] = cash
        batch.savings[:] = savings
        batch.invested[:] = invested
        batch.price[:] = (1.0 + batch._inflation) ** month
        batch.base_income[:] = scenario.monthly_income * (1.0 + scenario.salary_raise_annual) ** raises
        batch.loss_left[:] = loss_left
        batch.last_expenses[:] = expected_expenses(scenario, batch.price)
        return batch

    @property
    def size(self) -> int:
        """B, the number of households."""
        return len(self.rows)

    def reset(self) -> None:
        """Put every household back at month 0 with its initial cash."""
        n, s = self.size, self.scenario
        self.month = 0
        self.cash = np.full(n, float(s.initial_cash))
        self.savings = np.zeros(n)
        self.invested = np.zeros(n)
        self.base_income = np.full(n, float(s.monthly_income))
        self.price = np.ones(n)
        self.loss_left = np.zeros(n, dtype=np.int64)
        self.last_expenses = expected_expenses(s, self.price)
        self.alive = np.ones(n, dtype=bool)
        self.broke = np.zeros(n, dtype=bool)
        self.duration = np.zeros(n, dtype=np.int64)
        self.months_above_buffer = np.zeros(n, dtype=np.int64)
        self.ledger = Ledger.zeros(n)

    @property
    def done(self) -> bool:
        """Every episode is over: the horizon is reached or no household is alive."""
        return self.month >= self.scenario.months or not self.alive.any()

    @property
    def liquid(self) -> np.ndarray:
        """Money at hand: `cash` + `savings`."""
        return self.cash + self.savings

    @property
    def wealth(self) -> np.ndarray:
        """`cash` + `savings` + `invested`, nominal."""
        return self.cash + self.savings + self.invested

    def expected_money(self) -> MonthMoney:
        """The coming month's money (B,) as `step` would count it in a calm life: this month's raise and
        inflation, the income loss as it stands (none starting), expenses as expected (`expected_expenses`)."""
        s = self.scenario
        base = self.base_income * (1.0 + s.salary_raise_annual) if is_raise_month(self.month) else self.base_income
        expenses = expected_expenses(s, self.price * (1.0 + self._inflation))
        return month_money(s, self.cash, base, self.loss_left, expenses)

    def observe(self) -> np.ndarray:
        """The state each household's agents see, as float32 (B, OBS_DIM), columns in `OBS_FEATURES` order."""
        s = self.scenario
        income, n = s.monthly_income, self.size
        wealth = self.wealth
        features = {
            "liquid_in_buffers": self.liquid / max(s.safety_buffer, 1.0),
            "months_covered": self.liquid / np.maximum(self.last_expenses, 1.0),
            "invested_in_years": self.invested / (12.0 * income),
            "portfolio_share": np.where(wealth > 0, self.invested / np.where(wealth > 0, wealth, 1.0), 0.0),
            "time_left": np.full(n, 1.0 - self.month / s.months),
            "income_ratio": income_after_loss(s, self.base_income, self.loss_left) / income,
            "income_loss_left": self.loss_left / max(s.income_loss_max_months, 1),
            "price_level": self.price,
            "expenses_ratio": self.last_expenses / income,
            "buffer_penalty": self._buffer_penalty(),
            "real_wealth_in_years": wealth / self.price / (12.0 * income),
        }
        obs = np.stack([features[name] for name in OBS_FEATURES], axis=1)
        return np.clip(obs, -100.0, 100.0).astype(np.float32)

    def step(self, split: np.ndarray) -> StepResult:
        """Live one month with `split` (B, 3 invest/save/spend shares) for the active households."""
        if self.done:
            raise RuntimeError("step() called on a finished batch; call reset()")
        s, t, rows = self.scenario, self.month, self.rows
        split = to_split(split)
        active = self.alive.copy()
        on = active.astype(np.float64)
        wealth_before = self.wealth / self.price

        market = self.invested * self.events.market_return[rows, t] * on
        interest = self.savings * self._interest * on
        self.invested += market
        self.savings += interest

        if is_raise_month(t):
            self.base_income *= 1.0 + s.salary_raise_annual
        starts = (self.loss_left == 0) & self.events.loss_start[rows, t] & active
        self.loss_left = np.where(starts, self.events.loss_months[rows, t], self.loss_left)

        self.price *= np.where(active, 1.0 + self._inflation, 1.0)
        fixed = s.fixed_expenses * self.price
        variable = np.maximum(
            s.variable_expenses_mean + s.variable_expenses_std * self.events.variable_noise[rows, t], 0.0
        )
        shock = np.where(self.events.shock[rows, t], s.shock_cost_multiplier * fixed, 0.0)
        expenses = (fixed + variable * self.price + shock) * on
        self.last_expenses = np.where(active, expenses, self.last_expenses)
        income, _, self.cash = month_money(s, self.cash, self.base_income, self.loss_left, expenses, on)
        self.loss_left = np.maximum(self.loss_left - active, 0)

        sell_cost = self._cover_shortfall()
        broke = active & (self.cash < -0.005)

        available = np.where(active & ~broke, np.maximum(self.cash, 0.0), 0.0)
        self.invested += split[:, 0] * available
        self.savings += split[:, 1] * available
        spending = split[:, 2] * available
        self.cash -= available

        for name, value in (
            ("income", income),
            ("expenses", expenses),
            ("spending", spending),
            ("interest", interest),
            ("market", market),
            ("sell_cost", sell_cost),
        ):
            getattr(self.ledger, name).__iadd__(value)

        reward = self._reward(wealth_before, spending, broke) * on
        self.duration += active
        self.months_above_buffer += active & (self.liquid >= s.safety_buffer)
        self.broke |= broke
        self.alive &= ~broke
        self.month += 1
        return StepResult(reward=reward, terminated=broke, active=active, spending=spending, split=split)

    def _cover_shortfall(self) -> np.ndarray:
        """Pay a negative cash balance from savings, then by selling investments; return the selling cost."""
        fee = self.scenario.sell_cost
        missing = np.maximum(-self.cash, 0.0)
        from_savings = np.minimum(missing, self.savings)
        self.savings -= from_savings
        self.cash += from_savings
        missing -= from_savings
        sold = np.minimum(missing / (1.0 - fee), self.invested)
        self.invested -= sold
        self.cash += sold * (1.0 - fee)
        return sold * fee

    def _reward(self, wealth_before: np.ndarray, spending: np.ndarray, broke: np.ndarray) -> np.ndarray:
        s, w = self.scenario, self.weights
        income = s.monthly_income
        wealth_gain = (self.wealth / self.price - wealth_before) / income
        joy = np.log1p(spending / self.price / (w.spend_scale * income))
        return w.wealth * wealth_gain + w.spend * joy - self._buffer_penalty() - w.broke_penalty * broke

    def _buffer_penalty(self) -> np.ndarray:
        """The penalty for the liquid balance under the safety buffer: pro rata (1 when empty), times the
        buffer weight and (1 - risk tolerance)."""
        s = self.scenario
        shortfall = np.clip((s.safety_buffer - self.liquid) / max(s.safety_buffer, 1.0), 0.0, 1.0)
        return self.weights.buffer * (1.0 - s.risk_tolerance) * shortfall
