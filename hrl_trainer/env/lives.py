"""The lives households live: each purpose has its own fixed stream of them.

`checkpoint` (periodic evaluation while training), `tuning` (picking the baselines' splits and the
target-liquidity rules' numbers) and `held_out` (the reported scores, never used to pick anything).
Training draws from the run's seed, a different stream.
"""

from __future__ import annotations

import numpy as np

from hrl_trainer.env.scenarios import Scenario
from hrl_trainer.env.simulation import LifeEvents

PURPOSES = {"checkpoint": 1, "tuning": 2, "held_out": 3}


def fixed_households(scenario: Scenario, count: int, purpose: str) -> LifeEvents:
    """The same `count` households every time for a given purpose."""
    return LifeEvents.draw(scenario, count, np.random.default_rng([PURPOSES[purpose], 20251106]))
