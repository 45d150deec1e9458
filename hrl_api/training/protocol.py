"""What every training mode offers the web layer: the `Supervisor` protocol (embedded: a training child;
cluster: Celery workers), its errors, the one status body both report, and where the app keeps its supervisor.

The views reach the supervisor only through `get_supervisor()` and this protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from hrl_api.core.errors import ApiError

if TYPE_CHECKING:
    from flask import Flask

SUPERVISOR_KEY = "hrl_training_supervisor"
"""Where the factory keeps the app's supervisor in ``app.extensions``."""


class SupervisorError(ApiError):
    """A request the supervisor cannot satisfy; ``errors`` maps fields to messages. ``status`` is
    the HTTP status the API answers with (a subclass inherits its parent's)."""

    status = 500

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(self.status, message, errors)


class TrainingInProgress(SupervisorError):
    """Start asked while a run is active."""

    status = 400


class NoTrainingInProgress(SupervisorError):
    """Stop asked while idle."""

    status = 400


class StartFailed(SupervisorError):
    """The child process could not be started."""


class StopFailed(SupervisorError):
    """The run did not end cleanly after a stop request, or its outcome is unknown."""


class Emitter(Protocol):
    """What the supervisor needs from Flask-SocketIO."""

    def emit(self, event: str, data: Any, to: str | list[str] | None = None) -> None: ...
    def start_background_task(self, target: Callable[..., Any], *args: Any) -> Any: ...
    def sleep(self, seconds: float) -> None: ...


IDLE_STATUS: dict[str, Any] = {
    "is_training": False,
    "scenario_name": None,
    "current_episode": 0,
    "total_episodes": 0,
    "start_time": None,
    "latest_progress": None,
    "run_id": None,
    "settings": None,
    "outcome": None,
    "error": None,
    "state": None,
    "phase": None,
    "phase_detail": None,
}
"""The status body before any run (or of a run asked for that is not the one known)."""

RUN_SETTINGS = ("num_episodes", "save_interval", "eval_episodes", "seed")
"""The start request's fields the status reports back as ``settings``."""


def status_body(
    *,
    scenario_name: str,
    latest: dict[str, Any] | None,
    total_episodes: int,
    start_time: str | None,
    run_id: str,
    settings: dict[str, Any] | None,
    state: str,
    error: str | None,
    phase: str | None = None,
    phase_detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The spec's status body of a run in `state` ("queued", "running", or how it ended), with the extras
    beyond the spec (`run_id`, `settings`, `outcome`, `error`, `state`, and while it runs `phase` and
    `phase_detail`: training, evaluating or saving) for a page opened mid-run or after it."""
    active = state in ("queued", "running")
    running = state == "running"
    return {
        "is_training": active,
        "scenario_name": scenario_name,
        "current_episode": latest["episode"] if latest else 0,
        "total_episodes": total_episodes,
        "start_time": start_time,
        "latest_progress": latest,
        "run_id": run_id,
        "settings": settings,
        "outcome": None if active else state,
        "error": None if active else error,
        "state": state,
        "phase": (phase or "training") if running else None,
        "phase_detail": phase_detail if running else None,
    }


class Supervisor(Protocol):
    """A training mode, as the views use it (`TrainingSupervisor`, `ClusterSupervisor`)."""

    @property
    def is_training(self) -> bool:
        """Whether a run is queued or training."""
        ...

    def health(self) -> dict[str, Any]:
        """The mode and what it depends on, for `GET /api/health`."""
        ...

    def status(self, run_id: str | None = None, scenario_name: str | None = None) -> dict[str, Any]:
        """The spec's status body (`status_body`) of the latest run, or of the one named."""
        ...

    def progress_log(self, since: int = 0, max_points: int | None = None) -> dict[str, Any]:
        """The latest run's progress records after episode `since`."""
        ...

    def pending_runs(self) -> list[dict[str, Any]]:
        """Runs that have no folder yet (queued), as run summaries."""
        ...

    def start(self, params: dict[str, Any], episode_offset: int = 0) -> dict[str, Any]:
        """Start (or queue) a run; the start answer's `data`."""
        ...

    def stop(self, run_id: str | None = None) -> dict[str, Any]:
        """Stop a run the graceful way; the stop answer's `data`."""
        ...

    def shutdown(self) -> None:
        """The server is exiting: stop what this process owns, gracefully."""
        ...


def get_supervisor_of(app: Flask) -> Supervisor:
    """The supervisor the factory gave `app`."""
    supervisor: Supervisor = app.extensions[SUPERVISOR_KEY]
    return supervisor


def get_supervisor() -> Supervisor:
    """The current app's supervisor."""
    from flask import current_app  # Flask only in the web process: training children import this package

    return get_supervisor_of(current_app)
