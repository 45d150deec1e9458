"""The bounds the API's request bodies and the command line's options share, from their one home
(`hrl_trainer/common/config.py`): by form, each field's (lowest, highest). The API's side is checked by
tests/hrl_api/web/test_hostile_input.py, the command line's by tests/hrl_trainer/cli/test_cli.py."""

from __future__ import annotations

from hrl_trainer.common.config import (
    ADVICE_BOUNDS,
    MAX_BALANCE,
    MAX_KEEP_CHECKPOINTS,
    SETTING_BOUNDS,
    SIMULATION_BOUNDS,
)

MONEY = (0, MAX_BALANCE)
SHARED_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "simulation": dict(SIMULATION_BOUNDS),
    "advice": {**ADVICE_BOUNDS, "savings": MONEY, "invested": MONEY, "cash": MONEY},
    "run": {**SETTING_BOUNDS, "keep_checkpoints": (0, MAX_KEEP_CHECKPOINTS)},
}
