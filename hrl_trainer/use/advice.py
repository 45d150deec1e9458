"""This month's advice: what the trained agents would do with a household's money, in euros.

The household's state is rebuilt as the simulator would hold it at the start of month `month`
(prices and salary grown since month 0), the Strategist sets its goal and the Executor splits the
money available this month: cash plus the month's income minus its expected expenses (fixed plus
mean variable, at this month's prices; no unexpected cost). Deterministic: each agent's mean action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hrl_trainer.agents.acting import ActorSnapshot
from hrl_trainer.agents.goal_rule import executor_split
from hrl_trainer.agents.policy import buffer_target
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.common.money import format_euro
from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import SPLIT_NAMES, HouseholdBatch

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist


class AdviceError(FieldErrors):
    """The household's state does not fit the scenario; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"Invalid household state: {errors}", errors)


def household_at(
    scenario: Scenario, month: int, savings: float, invested: float, cash: float, income_loss_months_left: int
) -> HouseholdBatch:
    """One household at the start of `month`, in the state the simulator would hold."""
    return HouseholdBatch.at_month(scenario, month, cash, savings, invested, income_loss_months_left)


def sentence(
    amounts: dict[str, float], liquid: float, buffer: float, shortfall: float, locale: str | None = None
) -> str:
    """One sentence a person can act on, its amounts written as the page writes them in `locale`."""

    def euros(value: float) -> str:
        return format_euro(value, locale=locale)

    if shortfall > 0.5:
        return (
            f"This month's expenses exceed the money coming in by {euros(shortfall)}: take it from "
            "savings and spend nothing extra."
        )
    parts = []
    if amounts["save"] >= 0.5:
        until = f" until you hold {euros(buffer)}" if liquid < buffer else ""
        parts.append(f"Put {euros(amounts['save'])} in savings{until}")
    if amounts["invest"] >= 0.5:
        parts.append(f"invest {euros(amounts['invest'])}")
    parts.append(f"you may spend {euros(amounts['spend'])}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def advise(
    scenario: Scenario,
    strategist: Strategist,
    executor: Executor,
    month: int,
    savings: float,
    invested: float,
    cash: float | None = None,
    income_loss_months_left: int = 0,
    locale: str | None = None,
) -> dict[str, Any]:
    """This month's split (shares and euros), the Strategist's goal and a sentence (its amounts written in
    `locale`, common.money); AdviceError if the month or the income loss does not fit the scenario. `cash`
    defaults to the initial cash in month 0 and to nothing later (the simulator's cash account ends every
    month empty)."""
    errors = {}
    if not 0 <= month < scenario.months:
        errors["month"] = [f"Must be between 0 and {scenario.months - 1} for '{scenario.name}'."]
    if income_loss_months_left > scenario.income_loss_max_months:
        errors["income_loss_months_left"] = [
            f"Must be at most {scenario.income_loss_max_months} for '{scenario.name}'."
        ]
    if errors:
        raise AdviceError(errors)

    cash = float(scenario.initial_cash if month == 0 else 0.0) if cash is None else float(cash)
    batch = household_at(scenario, month, savings, invested, cash, income_loss_months_left)
    obs = batch.observe()  # (1, OBS_DIM)
    goal = ActorSnapshot(strategist).mean_action(obs)  # (1, 4): target shares and buffer fraction
    action = ActorSnapshot(executor).raw_mean(np.concatenate([obs, goal], axis=1))  # (1, A)
    split = executor_split(executor, batch, goal, action)[0].astype(np.float64)  # (3,)
    goal = goal.astype(np.float64)
    income, expenses, money = (float(amount[0]) for amount in batch.expected_money())
    available, shortfall = max(money, 0.0), max(-money, 0.0)
    amounts = {name: round(float(share * available), 2) for name, share in zip(SPLIT_NAMES, split)}
    buffer = float(buffer_target(goal, scenario.safety_buffer)[0])
    liquid = cash + savings
    return {
        "scenario_name": scenario.name,
        "month": month,
        "units": "nominal euros of this month",
        "income": round(income, 2),
        "expenses": round(expenses, 2),
        "available": round(available, 2),
        "shortfall": round(shortfall, 2),
        "split": {name: float(share) for name, share in zip(SPLIT_NAMES, split)},
        "amounts": amounts,
        "goal": {**{name: float(share) for name, share in zip(SPLIT_NAMES, goal[0, :3])}, "buffer": round(buffer, 2)},
        "sentence": sentence(amounts, liquid, buffer, shortfall, locale),
    }
