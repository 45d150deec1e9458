"""Supervises the one training run: spawns the child, relays its progress, stops it.

The trainer runs in a ``multiprocessing`` "spawn" child so that neither its
CPU use nor its crashes reach the server. A background task (started through
Flask-SocketIO, so it is a green thread or a real thread depending on the
async mode) watches the child's pipe and liveness and turns what it sees into
Socket.IO events.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from hrl_api.worker import run_training
from hrl_trainer.runlock import ScenarioLock
from hrl_trainer.runs import new_run_id

TRAINING_ROOM = "training"
EXIT_GRACE_SECONDS = 5.0


class SupervisorError(Exception):
    """A request the supervisor cannot satisfy; ``errors`` maps fields to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class TrainingInProgress(SupervisorError):
    """Start asked while a run is active."""


class NoTrainingInProgress(SupervisorError):
    """Stop asked while idle."""


class StartFailed(SupervisorError):
    """The child process could not be started."""


class StopFailed(SupervisorError):
    """The run did not end cleanly after a stop request."""


class Emitter(Protocol):
    """What the supervisor needs from Flask-SocketIO."""

    def emit(self, event: str, data: Any, to: str | None = None) -> None: ...
    def start_background_task(self, target: Callable[..., Any], *args: Any) -> Any: ...
    def sleep(self, seconds: float) -> None: ...


def _now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")


@dataclass
class Run:
    """One training run, from spawn to its final event."""

    run_id: str
    scenario_name: str
    total_episodes: int
    start_time: str
    process: BaseProcess
    conn: Connection
    progress: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None  # "completed" | "stopped" | "failed"
    result: dict[str, Any] | None = None
    error: str | None = None
    forced_exit_reason: str | None = None
    finished: bool = False
    last_emit: float = 0.0
    unsent_progress: dict[str, Any] | None = None

    @property
    def current_episode(self) -> int:
        return self.progress[-1]["episode"] if self.progress else 0

    @property
    def episodes_completed(self) -> int:
        return self.result["episodes_completed"] if self.result else self.current_episode


class TrainingSupervisor:
    """Owns at most one training child and the state the API reports about it."""

    def __init__(
        self,
        emitter: Emitter,
        *,
        trainer_entry: str,
        models_dir: str,
        scenarios_dir: str,
        stop_timeout: float,
        progress_min_interval: float = 0.0,
        poll_interval: float = 0.01,
    ) -> None:
        self._emitter = emitter
        self._trainer_entry = trainer_entry
        self._models_dir = models_dir
        self._scenarios_dir = scenarios_dir
        self._stop_timeout = stop_timeout
        self._progress_min_interval = progress_min_interval
        self._poll_interval = poll_interval
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._run: Run | None = None  # the active run, or the last one once finished

    # -- queries ---------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        run = self._run
        return run is not None and not run.finished

    def status(self) -> dict[str, Any]:
        """The spec's status body for the active run, or the last one when idle."""
        run = self._run
        return {
            "is_training": self.is_training,
            "run_id": run.run_id if run else None,
            "scenario_name": run.scenario_name if run else None,
            "current_episode": run.current_episode if run else 0,
            "total_episodes": run.total_episodes if run else 0,
            "start_time": run.start_time if run else None,
            "latest_progress": run.progress[-1] if run and run.progress else None,
        }

    def progress_log(self, since: int = 0) -> dict[str, Any]:
        """Every progress record of the active (or last) run after episode ``since``."""
        run = self._run
        return {
            "run_id": run.run_id if run else None,
            "scenario_name": run.scenario_name if run else None,
            "progress": run.progress[since:] if run else [],
        }

    # -- commands --------------------------------------------------------------

    def start(self, params: dict[str, Any], episode_offset: int = 0) -> dict[str, Any]:
        """Spawn a child training with ``params`` (validated request fields); ``episode_offset``: the
        episodes of the run it resumes.

        Returns the start response's ``data``. Raises TrainingInProgress, StartFailed, or
        ``runlock.ScenarioLocked`` when another process (a CLI run, another server) trains the scenario.
        The scenario's lock is taken here, before the child exists, so that refusal is synchronous;
        the child inherits the locked file and holds the lock until it exits.
        """
        run_id = new_run_id(params["scenario_name"])
        config = dict(params, models_dir=self._models_dir, scenarios_dir=self._scenarios_dir, run_id=run_id)
        with self._lock:
            if self.is_training:
                raise TrainingInProgress("Training already in progress")
            try:
                scenario_lock = ScenarioLock.acquire(params["scenario_name"], run_id, self._models_dir)
            except OSError as exc:  # e.g. a read-only models folder: the run could not save anything
                raise StartFailed("Training failed to start", {"_schema": [f"models folder: {exc}"]}) from exc
            parent_conn, child_conn = self._context.Pipe(duplex=True)
            process = self._context.Process(
                target=run_training,
                args=(self._trainer_entry, config, child_conn, scenario_lock),
                name=f"hrl-trainer-{params['scenario_name']}",
                daemon=True,
            )
            try:
                process.start()
            except Exception as exc:
                parent_conn.close()
                raise StartFailed("Training failed to start", {"_schema": [str(exc)]}) from exc
            finally:
                child_conn.close()
                scenario_lock.release()  # this process's copy; the child's keeps the scenario locked
            run = Run(
                run_id=run_id,
                scenario_name=params["scenario_name"],
                total_episodes=episode_offset + params["num_episodes"],
                start_time=_now_iso(),
                process=process,
                conn=parent_conn,
            )
            self._run = run
        started = {"scenario_name": run.scenario_name, "num_episodes": params["num_episodes"],
                   "start_time": run.start_time, "run_id": run_id}
        self._emitter.emit("training_started", started, to=TRAINING_ROOM)
        self._emitter.start_background_task(self._relay, run)
        return {"status": "started", **started}

    def stop(self) -> dict[str, Any]:
        """Ask the child to finish its episode and save; wait (bounded) for it to end.

        Returns the spec's stop ``data``. Raises NoTrainingInProgress or StopFailed.
        """
        with self._lock:
            run = self._run
            if run is None or run.finished:
                raise NoTrainingInProgress("No training in progress")
            try:
                run.conn.send("stop")
            except (OSError, TypeError):
                # The child is already gone and the relay may have closed the pipe (under
                # eventlet a closed handle raises TypeError); the relay reports how it ended.
                pass
        if not self._wait_finished(run, self._stop_timeout):
            self._force_exit(run, f"Trainer did not stop within {self._stop_timeout:g} s and was terminated")
            self._wait_finished(run, EXIT_GRACE_SECONDS * 2)
        if run.outcome == "failed":
            raise StopFailed("Failed to stop training", {"_schema": [run.error or "unknown error"]})
        return {
            "run_id": run.run_id,
            "status": "stopped" if run.outcome == "stopped" else "completed",
            "scenario_name": run.scenario_name,
            "episodes_completed": run.episodes_completed,
            "total_episodes": run.total_episodes,
        }

    def shutdown(self) -> None:
        """Stop a running training the way POST /stop does; used when the server exits."""
        try:
            self.stop()
        except SupervisorError:
            pass

    # -- the relay (background task) ---------------------------------------------

    def _relay(self, run: Run) -> None:
        try:
            self._follow(run)
        except Exception as exc:  # a bug here must not leave the service "training" forever
            self._fail(run, f"Supervisor error: {type(exc).__name__}: {exc}")
            run.process.kill()
        finally:
            self._reap(run)
            self._finish(run)

    def _follow(self, run: Run) -> None:
        """Relay the child's messages until it reports an outcome or dies."""
        while run.outcome is None:
            alive = run.process.is_alive()  # before draining: what it sent before dying is read below
            self._drain(run)
            if run.outcome is None and not alive:
                self._fail(run, run.forced_exit_reason or self._describe_exit(run.process))
            elif run.outcome is None:
                self._emitter.sleep(self._poll_interval)

    def _drain(self, run: Run) -> None:
        try:
            while run.outcome is None and run.conn.poll():
                kind, payload = run.conn.recv()
                if kind == "progress":
                    self._on_progress(run, payload)
                elif kind == "result":
                    run.result = payload
                    run.outcome = "stopped" if payload["stopped"] else "completed"
                elif kind == "error":
                    self._fail(run, payload)
        except (EOFError, OSError):
            pass  # the child closed its end; liveness tells the rest

    def _on_progress(self, run: Run, progress: dict[str, Any]) -> None:
        progress = {**progress, "run_id": run.run_id}
        run.progress.append(progress)
        now = time.monotonic()
        if now - run.last_emit >= self._progress_min_interval:
            run.last_emit = now
            run.unsent_progress = None
            self._emitter.emit("training_progress", progress, to=TRAINING_ROOM)
        else:
            run.unsent_progress = progress

    def _fail(self, run: Run, error: str) -> None:
        run.outcome = "failed"
        run.error = error

    def _reap(self, run: Run) -> None:
        """Wait (cooperatively, bounded) for the child to exit, then release its resources."""
        deadline = time.monotonic() + EXIT_GRACE_SECONDS
        while run.process.is_alive() and time.monotonic() < deadline:
            self._emitter.sleep(self._poll_interval)
        if run.process.is_alive():
            run.process.kill()
            run.process.join(1.0)
        run.conn.close()

    def _finish(self, run: Run) -> None:
        """Send the run's final events and mark it finished, atomically with respect to start().

        A client that reacts to the final event by starting again is accepted, and
        the next run's ``training_started`` can never overtake this run's last event.
        """
        with self._lock:
            self._emit_final_events(run)
            run.finished = True

    def _emit_final_events(self, run: Run) -> None:
        if run.unsent_progress is not None:
            self._emitter.emit("training_progress", run.unsent_progress, to=TRAINING_ROOM)
        if run.outcome == "completed" and run.result is not None:
            event, payload = "training_completed", {
                "scenario_name": run.scenario_name,
                "episodes_completed": run.result["episodes_completed"],
                "final_metrics": run.result["final_metrics"],
            }
        elif run.outcome == "stopped":
            event, payload = "training_stopped", {
                "scenario_name": run.scenario_name,
                "episodes_completed": run.episodes_completed,
            }
        else:
            event, payload = "training_error", {"message": "Training failed", "details": run.error}
        self._emitter.emit(event, {**payload, "run_id": run.run_id}, to=TRAINING_ROOM)

    def _wait_finished(self, run: Run, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not run.finished and time.monotonic() < deadline:
            self._emitter.sleep(self._poll_interval)
        return run.finished

    def _force_exit(self, run: Run, reason: str) -> None:
        run.forced_exit_reason = reason
        run.process.terminate()

    @staticmethod
    def _describe_exit(process: BaseProcess) -> str:
        code = process.exitcode
        if code is not None and code < 0:
            return f"Trainer process was killed by {signal.Signals(-code).name}"
        return f"Trainer process exited unexpectedly (exit code {code})"
