"""The rule of thumb many households follow, as a baseline policy (NumPy only).

First build an emergency fund of `months_of_expenses` months of expenses (everything to savings
while the liquid balance is below it); then split the rest between investing and spending in a
fixed proportion, saving nothing more.
"""

from __future__ import annotations

import numpy as np

from hrl_trainer.env.simulation import HouseholdBatch

EMERGENCY_FUND_MONTHS = 3
"""Months of expenses (fixed plus mean variable, at today's prices) kept liquid first."""
INVEST_SHARE_AFTER_FUND = 0.5
"""Share of each month's money invested once the fund is full; the rest is spent."""
SAVE_ONLY = np.array([0.0, 1.0, 0.0])


class EmergencyFundFirst:
    """Save everything until the liquid balance holds the emergency fund, then invest / spend a fixed split."""

    def __init__(
        self, months_of_expenses: float = EMERGENCY_FUND_MONTHS, invest_share: float = INVEST_SHARE_AFTER_FUND
    ):
        self.months_of_expenses = months_of_expenses
        self.after = np.array([invest_share, 0.0, 1.0 - invest_share])

    def describe(self) -> str:
        invest, _, spend = self.after
        return (
            f"Keep {self.months_of_expenses:g} months of expenses liquid first, then invest {invest:.0%} "
            f"and spend {spend:.0%} of what is left each month"
        )

    def fund(self, batch: HouseholdBatch) -> np.ndarray:
        """The emergency fund in euros of each household's current prices, (B,)."""
        s = batch.scenario
        return self.months_of_expenses * (s.fixed_expenses + s.variable_expenses_mean) * batch.price

    def reset(self, batch: HouseholdBatch) -> None:
        pass

    def act(self, batch: HouseholdBatch) -> np.ndarray:
        below = (batch.liquid < self.fund(batch))[:, None]
        return np.where(below, SAVE_ONLY, self.after)
