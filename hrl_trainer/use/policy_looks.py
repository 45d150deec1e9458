"""How each simulated policy is named and coloured on the dashboard and in the printable report.

The one table of labels and colours: the report reads it here, the dashboard from ``GET /api/policies``.
Every colour has at least 3:1 contrast on white (WCAG 1.4.11).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Look:
    label: str
    color: str


POLICY_LOOKS: dict[str, Look] = {
    "hrl": Look("Trained model", "#1f5fa8"),
    "best_fixed": Look("Best fixed split", "#c0392b"),
    "buffer_first": Look("Buffer first", "#27864a"),
    "target_liquidity_2": Look("Target liquidity (2 numbers)", "#a65e00"),
    "target_liquidity_4": Look("Target liquidity (4 numbers)", "#5f6b00"),
    "flat_ppo": Look("Flat PPO", "#007c89"),
    "rule_of_thumb": Look("Rule of thumb", "#8e44ad"),
    "random": Look("Random", "#7f7f7f"),
}
"""Policy name -> label and colour, in the order the legends list them."""
OTHER_COLOR = "#7f7f7f"
"""A policy missing from the table is drawn in this colour, labelled with its name."""
SAFETY_BUFFER = Look("Safety buffer", "#c0392b")
"""The reference line of the liquid-money charts."""


def policy_look(name: str) -> Look:
    """The policy's label and colour (its name and OTHER_COLOR when the table lacks it)."""
    return POLICY_LOOKS.get(name) or Look(name, OTHER_COLOR)


def looks_document() -> dict[str, Any]:
    """The table as ``GET /api/policies`` serves it."""
    return {
        "policies": [{"name": name, **asdict(look)} for name, look in POLICY_LOOKS.items()],
        "other_color": OTHER_COLOR,
        "safety_buffer": asdict(SAFETY_BUFFER),
    }
