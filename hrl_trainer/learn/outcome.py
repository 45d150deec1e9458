"""How a training run ended: what `train` returns (kept free of torch, so fake trainers in tests and other
light callers can build one without loading it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class TrainResult:
    """How a run ended."""

    scenario_name: str
    episodes_completed: int
    total_episodes: int
    stopped: bool
    final_metrics: dict
    held_out: dict = field(default_factory=dict)
    """The final agents on held-out households: `households` and the `metrics()` fields ({} if no episode ran)."""
    publication: dict | None = None
    """The record of the run's publishing at its end (`store.publications`), None when it was not published."""

    def to_dict(self) -> dict:
        return asdict(self)
