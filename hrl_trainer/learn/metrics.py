"""The progress metrics: one definition used by the API, the CLI, the history and the dashboard."""

from __future__ import annotations

import math
from collections import deque

METRIC_NAMES = ("avg_reward", "avg_duration", "avg_cash", "avg_invested", "stability", "goal_adherence")
DIAGNOSTIC_NAMES = (
    "policy_loss",
    "value_loss",
    "entropy",
    "approx_kl",
    "clip_fraction",
    "explained_variance",
    "learning_rate",
)
"""What each PPO update of an agent records (cleanrl's names; docs/agents.md maps them to Stable-Baselines3's)."""
AGENTS = ("strategist", "executor")
"""The agents, as diagnostics name them (the flat PPO's one agent is the "executor")."""


class TrainingError(RuntimeError):
    """Training cannot go on (for example a metric or a loss became NaN or infinite)."""


def ensure_finite(values: dict, what: str) -> dict:
    """Return `values` unchanged, or raise TrainingError naming the first non-finite entry."""
    for key, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise TrainingError(f"{what}: {key} is {value}")
    return values


class MetricsWindow:
    """Means over the most recent completed episodes."""

    def __init__(self, size: int):
        self.episodes: deque[dict] = deque(maxlen=size)

    def add(self, episode_metrics: dict) -> None:
        self.episodes.append(episode_metrics)

    def means(self) -> dict:
        return {name: sum(e[name] for e in self.episodes) / len(self.episodes) for name in METRIC_NAMES}

    def progress(self, episode: int, total: int, elapsed: float) -> dict:
        """A `training_progress` record; raises TrainingError if any value is not finite."""
        record = {"episode": episode, "total_episodes": total, **self.means(), "elapsed_time": elapsed}
        return ensure_finite(record, f"episode {episode}")
