"""Who receives a training event, and what a run's final event says; shared by both modes.

Every connected client is in ``EVERYONE`` from the moment it connects, so training events reach it
whether it subscribed or not (the spec's behaviour). ``subscribe_training`` with a filter moves the
client from ``EVERYONE`` to the room of one run or one scenario. Each event is emitted once to the
rooms that concern it; a client in several of them receives it once (python-socketio merges rooms).
"""

from __future__ import annotations

import math
import time
from typing import Any

EVERYONE = "training:everyone"


def run_room(run_id: str) -> str:
    return f"training:run:{run_id}"


def scenario_room(scenario_name: str) -> str:
    return f"training:scenario:{scenario_name}"


def rooms_for(run_id: str, scenario_name: str) -> list[str]:
    """The rooms an event of this run goes to."""
    return [EVERYONE, run_room(run_id), scenario_room(scenario_name)]


def final_event(
    run_id: str,
    scenario_name: str,
    outcome: str | None,
    result: dict[str, Any] | None,
    error: str | None,
    episodes_completed: int,
) -> tuple[str, dict[str, Any]]:
    """``(event, payload)`` ending a run: ``training_completed`` (with the trainer's ``result``),
    ``training_stopped``, or ``training_error`` for anything else. Every payload names its run and scenario; the
    first two say how the run was published at its end (``publication``, null when it was not)."""
    if outcome == "completed" and result is not None:
        return "training_completed", {
            "scenario_name": scenario_name,
            "episodes_completed": result["episodes_completed"],
            "final_metrics": result["final_metrics"],
            **({"held_out": result["held_out"]} if result.get("held_out") else {}),
            "run_id": run_id,
            "publication": result.get("publication"),
        }
    if outcome == "stopped":
        return "training_stopped", {
            "scenario_name": scenario_name,
            "episodes_completed": episodes_completed,
            "run_id": run_id,
            "publication": (result or {}).get("publication"),
        }
    return "training_error", {
        "message": "Training failed",
        "details": error,
        "run_id": run_id,
        "scenario_name": scenario_name,
    }


class ProgressThrottle:
    """At most one ``training_progress`` event per ``min_interval`` seconds (``PROGRESS_MIN_INTERVAL``); the
    newest record held back is sent before the run's final event, so the last one always reaches clients."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self._last_sent = -math.inf
        self.held: dict[str, Any] | None = None
        """The newest record not sent yet (None when every record so far was sent)."""

    def due(self, record: dict[str, Any], now_anyway: bool = False) -> bool:
        """True when ``record`` is to be sent now (always with ``now_anyway``); otherwise it is held back in place
        of any older one."""
        now = time.monotonic()
        if now_anyway or now - self._last_sent >= self.min_interval:
            self._last_sent, self.held = now, None
            return True
        self.held = record
        return False


Event = tuple[str, dict[str, Any]]


class LiveEvents:
    """What a run's trainer reports while it runs, as the events to send (both modes): ``training_progress`` with
    the trainer's ``phase`` (the record of the episode before an evaluation says ``evaluating``, and is sent at once)
    and ``training_diagnostics``, one throttle for the progress and one per agent for the diagnostics."""

    def __init__(self, run_id: str, scenario_name: str, min_interval: float) -> None:
        self.run_id, self.scenario_name, self.min_interval = run_id, scenario_name, min_interval
        self.progress_throttle = ProgressThrottle(min_interval)
        self.diagnostics_throttles: dict[str, ProgressThrottle] = {}
        self.phase = "training"
        self.phase_detail: dict[str, Any] | None = None

    def record(self, progress: dict[str, Any]) -> dict[str, Any]:
        """An episode's record as the run keeps and sends it: with ``run_id`` and the trainer's phase after it."""
        return {**progress, "run_id": self.run_id, "phase": self.phase, "phase_detail": self.phase_detail}

    def progress(self, record: dict[str, Any]) -> list[Event]:
        """The events of an episode's `record`."""
        due = self.progress_throttle.due(record, now_anyway=record.get("phase", "training") != "training")
        return [("training_progress", record)] if due else []

    def diagnostics(self, record: dict[str, Any]) -> list[Event]:
        """The events of one agent's update diagnostics (a trainer's ``("diagnostics", record)``)."""
        payload = {"run_id": self.run_id, "scenario_name": self.scenario_name, **record}
        throttle = self.diagnostics_throttles.setdefault(str(record.get("agent")), ProgressThrottle(self.min_interval))
        return [("training_diagnostics", payload)] if throttle.due(payload) else []

    def change_phase(self, news: dict[str, Any]) -> None:
        """A trainer's ``("phase", {"phase", "phase_detail"})``."""
        self.phase, self.phase_detail = str(news.get("phase") or "training"), news.get("phase_detail")

    def held(self) -> list[Event]:
        """What the throttles held back, to send before the run's final event."""
        throttles = [("training_diagnostics", t) for t in self.diagnostics_throttles.values()]
        return [
            (event, throttle.held)
            for event, throttle in [*throttles, ("training_progress", self.progress_throttle)]
            if throttle.held is not None
        ]
