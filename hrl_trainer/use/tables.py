"""A simulation's comparison table, row by row: what the Simulate table, its CSV and the plain text table show.
Free of NumPy and torch, so that the web process serves a saved simulation's table."""

from __future__ import annotations

from typing import Any

from hrl_trainer.evaluation.verdict import described
from hrl_trainer.use.policy_looks import policy_look


def net_worth_comparison(result: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The trained model minus policy `name` in real net worth at the end (today's euros), described with its
    verdict (`paired.described`; a simulation saved before verdicts gets them here, from its own numbers)."""
    paired = result["paired"].get(name)
    if not paired:
        return None
    return described(paired["real_net_worth"], "real_net_worth", result.get("households"))


TABLE_COLUMNS = (
    "policy",
    "label",
    "median_real_net_worth",
    "p5_real_net_worth",
    "p95_real_net_worth",
    "median_total_spending",
    "mean_total_spending",
    "share_broke",
    "share_months_under_buffer",
    "avg_reward",
    "measure",
    "unit",
    "statistic",
    "households",
    "mean",
    "se",
    "verdict",
)
"""The columns of a simulation's comparison table (`table_rows`): the policy, its totals, and the model minus it."""


def table_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A simulation's comparison table, one row per policy: its key and label, its totals (medians, percentiles,
    means and shares over the households, real net worth and spending in today's euros) and the trained model minus
    it, paired, in real net worth (`net_worth_comparison`; empty for the model itself)."""
    rows = []
    for name, policy in result["policies"].items():
        comparison = net_worth_comparison(result, name) or {}
        rows.append(
            {
                "policy": name,
                "label": policy_look(name).label,
                **{column: policy["totals"].get(column) for column in TABLE_COLUMNS[2:10]},
                **{column: comparison.get(column) for column in TABLE_COLUMNS[10:]},
            }
        )
    return rows
