"""The spec's payloads as data: field -> expected type, for type and shape assertions."""

from __future__ import annotations

import math
from typing import Any

NUMBER = (int, float)
OPTIONAL_STR = (str, type(None))

PROGRESS = {
    "episode": int,
    "total_episodes": int,
    "avg_reward": NUMBER,
    "avg_duration": NUMBER,
    "avg_cash": NUMBER,
    "avg_invested": NUMBER,
    "stability": NUMBER,
    "goal_adherence": NUMBER,
    "elapsed_time": NUMBER,
}
RUN_ID = {"run_id": str}  # the one field added to the spec's payloads (issue 10), which stay as they are
OPTIONAL_DICT = (dict, type(None))
FINAL_METRICS = {k: NUMBER for k in ("avg_reward", "avg_duration", "stability")}
START_DATA = {"status": str, "scenario_name": str, "num_episodes": int, "start_time": str, **RUN_ID}
STOP_DATA = {"status": str, "scenario_name": str, "episodes_completed": int, "total_episodes": int, **RUN_ID}
STATUS = {
    "is_training": bool,
    "run_id": OPTIONAL_STR,
    "scenario_name": OPTIONAL_STR,
    "current_episode": int,
    "total_episodes": int,
    "start_time": OPTIONAL_STR,
    "latest_progress": (dict, type(None)),
    # Extras beyond the spec (the dashboard's): the run's settings and, once it ended, its outcome; its state.
    "settings": (dict, type(None)),
    "outcome": OPTIONAL_STR,
    "error": OPTIONAL_STR,
    "state": OPTIONAL_STR,
    # What the trainer is doing while a run is active (issue 22): training, evaluating, saving.
    "phase": OPTIONAL_STR,
    "phase_detail": OPTIONAL_DICT,
}


class Absent:
    """An expected field that may also be absent (only some trainers send it); ``kind`` when present."""

    def __init__(self, kind: Any) -> None:
        self.kind = kind


# The progress events say what the trainer does after the episode (issue 22); saved records do not.
PROGRESS_EVENT = {**PROGRESS, **RUN_ID, "phase": Absent(str), "phase_detail": Absent(OPTIONAL_DICT)}
PUBLICATION = Absent(OPTIONAL_DICT)  # how a run published itself at its end (issue 22), null when it did not
DIAGNOSTICS_EVENT = {
    **RUN_ID,
    "scenario_name": str,
    "agent": str,
    "update": int,
    "episode": int,
    **{key: NUMBER for key in ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "learning_rate")},
    "explained_variance": (int, float, type(None)),
}


EVENTS = {
    "connection_established": {"message": str, "sid": str},
    "training_started": {"scenario_name": str, "num_episodes": int, "start_time": str, **RUN_ID},
    "training_progress": PROGRESS_EVENT,
    "training_completed": {
        "scenario_name": str,
        "episodes_completed": int,
        "final_metrics": dict,
        **RUN_ID,
        "held_out": Absent(dict),
        "publication": PUBLICATION,
    },  # the real trainer's held-out evaluation
    "training_stopped": {"scenario_name": str, "episodes_completed": int, **RUN_ID, "publication": PUBLICATION},
    "training_diagnostics": DIAGNOSTICS_EVENT,  # the real trainer's PPO updates (issue 22)
    "training_error": {"message": str, "details": str, **RUN_ID, "scenario_name": str},
    "training_status": STATUS,
}
ERROR = {"message": str, "errors": dict}


def assert_fields(payload: Any, expected: dict[str, Any], exact: bool = True) -> None:
    """``payload`` has every expected field with the right type (and, if ``exact``, no others)."""
    assert isinstance(payload, dict), payload
    required = {name for name, kind in expected.items() if not isinstance(kind, Absent)}
    if exact:
        assert required <= set(payload) <= set(expected), (sorted(payload), sorted(expected))
    for name, kind in expected.items():
        if isinstance(kind, Absent):
            if name not in payload:
                continue
            kind = kind.kind
        assert name in payload, f"missing {name!r} in {payload}"
        value = payload[name]
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (name, value)
        if isinstance(value, float):
            assert math.isfinite(value), (name, value)


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """A JSON error body with ``status`` (and messages for ``field`` when given); returns the body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    body = response.json() if callable(response.json) else response.json  # requests vs Flask
    assert_fields(body, ERROR)
    assert body["message"]
    if field is not None:
        assert isinstance(body["errors"].get(field), list) and body["errors"][field], body
        assert all(isinstance(m, str) for m in body["errors"][field])
    return body


def assert_progress_sequence(events: list[dict[str, Any]], total: int, upto: int | None = None) -> None:
    """Progress events numbered 1..upto (default: total), none skipped, all well-typed."""
    for event in events:
        assert_fields(event, PROGRESS_EVENT)
        assert event["total_episodes"] == total
    assert [e["episode"] for e in events] == list(range(1, (upto or total) + 1))
