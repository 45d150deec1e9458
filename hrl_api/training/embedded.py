"""Supervises the one training run: spawns the child, relays its progress, stops it.

The trainer runs in a ``multiprocessing`` "spawn" child so that neither its
CPU use nor its crashes reach the server. A background task (started through
Flask-SocketIO, so it is a green thread or a real thread depending on the
async mode) watches the child's pipe and liveness and turns what it sees into
Socket.IO events, broadcast to every connected client (no subscription needed).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from hrl_api.training import protocol
from hrl_api.training.child import request_stop, run_training
from hrl_api.training.events import LiveEvents, final_event, rooms_for
from hrl_api.training.progress_log import ProgressLog
from hrl_trainer.common.clock import now_iso
from hrl_trainer.common.thinning import thin_evenly
from hrl_trainer.store.runlock import ScenarioLock
from hrl_trainer.store.runs import new_run_id

EXIT_GRACE_SECONDS = 5.0
log = logging.getLogger(__name__)


@dataclass
class Run:
    """One training run, from spawn to its final event."""

    run_id: str
    scenario_name: str
    total_episodes: int
    start_time: str
    settings: dict[str, Any]  # num_episodes, save_interval, eval_episodes, seed as requested
    process: BaseProcess
    conn: Connection
    started: float = field(default_factory=time.monotonic)
    progress: ProgressLog = field(default_factory=ProgressLog)
    outcome: str | None = None  # "completed" | "stopped" | "failed"
    result: dict[str, Any] | None = None
    error: str | None = None
    forced_exit_reason: str | None = None
    finished: bool = False
    live: LiveEvents | None = None  # the events of its trainer's reports (the supervisor's throttle interval)

    @property
    def current_episode(self) -> int:
        latest = self.progress.latest
        return latest["episode"] if latest else 0

    @property
    def episodes_completed(self) -> int:
        return self.result["episodes_completed"] if self.result else self.current_episode


class TrainingSupervisor:
    """Owns at most one training child and the state the API reports about it."""

    def __init__(
        self,
        emitter: protocol.Emitter,
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

    def health(self) -> dict[str, Any]:
        return {"mode": "embedded"}

    def pending_runs(self) -> list[dict[str, Any]]:
        """Runs without a folder yet: none here (the trainer writes its folder as it starts)."""
        return []

    def status(self, run_id: str | None = None, scenario_name: str | None = None) -> dict[str, Any]:
        """The spec's status body for the active run, or the last one when idle (one run, read once);
        the idle body when ``run_id`` or ``scenario_name`` is given and names another run."""
        run = self._run
        if run is not None and (run_id not in (None, run.run_id) or scenario_name not in (None, run.scenario_name)):
            run = None
        if run is None:
            return dict(protocol.IDLE_STATUS)
        finished = run.finished
        return protocol.status_body(
            scenario_name=run.scenario_name,
            latest=run.progress.latest,
            total_episodes=run.total_episodes,
            start_time=run.start_time,
            run_id=run.run_id,
            settings=run.settings,
            state=run.outcome if finished else "running",
            error=run.error if finished else None,
            phase=run.live.phase if run.live else None,
            phase_detail=run.live.phase_detail if run.live else None,
        )

    def progress_log(self, since: int = 0, max_points: int | None = None) -> dict[str, Any]:
        """The progress records of the active (or last) run after episode ``since``: every record of
        its latest episodes and evenly spread older ones (see ProgressLog), at most ``max_points``
        of them (evenly thinned, first and last kept) when given."""
        run = self._run
        return {
            "run_id": run.run_id if run else None,
            "scenario_name": run.scenario_name if run else None,
            "progress": thin_evenly(run.progress.records(since), max_points) if run else [],
        }

    # -- commands --------------------------------------------------------------

    def start(self, params: dict[str, Any], episode_offset: int = 0) -> dict[str, Any]:
        """Spawn a child training with ``params`` (validated request fields); ``episode_offset``: the
        episodes of the run it resumes.

        Returns the start response's ``data``. Raises protocol.TrainingInProgress, protocol.StartFailed, or
        ``runlock.ScenarioLocked`` when another process (a CLI run, another server) trains the scenario.
        The scenario's lock is taken here, before the child exists, so that refusal is synchronous;
        the child inherits the locked file and holds the lock until it exits.
        """
        run_id = new_run_id(params["scenario_name"])
        config = dict(params, models_dir=self._models_dir, scenarios_dir=self._scenarios_dir, run_id=run_id)
        with self._lock:
            if self.is_training:
                raise protocol.TrainingInProgress("Training already in progress")
            try:
                scenario_lock = ScenarioLock.acquire(params["scenario_name"], run_id, self._models_dir)
            except OSError as exc:  # e.g. a read-only models folder: the run could not save anything
                raise protocol.StartFailed("Training failed to start", {"_schema": [f"models folder: {exc}"]}) from exc
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
                raise protocol.StartFailed("Training failed to start", {"_schema": [str(exc)]}) from exc
            finally:
                child_conn.close()
                scenario_lock.release()  # this process's copy; the child's keeps the scenario locked
            run = Run(
                run_id=run_id,
                scenario_name=params["scenario_name"],
                total_episodes=episode_offset + params["num_episodes"],
                start_time=now_iso(),
                settings={key: params.get(key) for key in protocol.RUN_SETTINGS},
                process=process,
                conn=parent_conn,
                live=LiveEvents(run_id, params["scenario_name"], self._progress_min_interval),
            )
            self._run = run
        log.info("Run started: %s, %d episodes", run.scenario_name, run.total_episodes)
        started = {
            "scenario_name": run.scenario_name,
            "num_episodes": params["num_episodes"],
            "start_time": run.start_time,
            "run_id": run.run_id,
        }
        self._emit(run, "training_started", started)
        self._emitter.start_background_task(self._relay, run)
        return {"status": "started", **started}

    def stop(self, run_id: str | None = None) -> dict[str, Any]:
        """Ask the child to finish its episode and save; wait (bounded) for it to end. ``run_id``, when
        given, must be the active run's.

        Returns the spec's stop ``data``. Raises protocol.NoTrainingInProgress or protocol.StopFailed.
        """
        with self._lock:
            run = self._run
            if run is None or run.finished:
                raise protocol.NoTrainingInProgress("No training in progress")
            if run_id not in (None, run.run_id):
                raise protocol.NoTrainingInProgress(
                    "No training in progress",
                    {"run_id": [f"Run '{run_id}' is not training (the active run is {run.run_id})"]},
                )
            try:
                request_stop(run.conn)
            except OSError:
                pass  # the relay closed the pipe: the run is ending, and the relay reports how
        if not self._wait_finished(run, self._stop_timeout):
            self._force_exit(run, f"Trainer did not stop within {self._stop_timeout:g} s and was terminated")
            if not self._wait_finished(run, EXIT_GRACE_SECONDS * 2):
                run.process.kill()  # so that the relay can end the run (e.g. a child ignoring SIGTERM)
                raise protocol.StopFailed(
                    "Failed to stop training",
                    {
                        "_schema": [
                            f"The run's outcome is still unknown {EXIT_GRACE_SECONDS * 2:g} s after terminating its trainer"
                        ]
                    },
                )
        if run.outcome == "failed":
            raise protocol.StopFailed("Failed to stop training", {"_schema": [run.error or "unknown error"]})
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
        except protocol.SupervisorError:
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
                elif kind in ("diagnostics", "phase"):
                    self._on_news(run, kind, payload)
                elif kind == "result":
                    run.result = payload
                    run.outcome = "stopped" if payload["stopped"] else "completed"
                elif kind == "error":
                    self._fail(run, payload)
        except (EOFError, OSError):
            pass  # the child closed its end; liveness tells the rest

    def _on_progress(self, run: Run, progress: dict[str, Any]) -> None:
        if run.live is None:
            run.progress.append({**progress, "run_id": run.run_id})
            return
        record = run.live.record(progress)
        run.progress.append(record)
        for event in run.live.progress(record):
            self._emit(run, *event)

    def _on_news(self, run: Run, kind: str, payload: dict[str, Any]) -> None:
        """The trainer's other reports (`train`'s `on_event`): an update's diagnostics, or a new phase."""
        if run.live is None:
            return
        if kind == "phase":
            run.live.change_phase(payload)
        for event in run.live.diagnostics(payload) if kind == "diagnostics" else ():
            self._emit(run, *event)

    def _fail(self, run: Run, error: str) -> None:
        run.outcome = "failed"
        run.error = error

    def _reap(self, run: Run) -> None:
        """Wait (cooperatively, bounded) for the child to exit; kill it when it does not."""
        deadline = time.monotonic() + EXIT_GRACE_SECONDS
        while run.process.is_alive() and time.monotonic() < deadline:
            self._emitter.sleep(self._poll_interval)
        if run.process.is_alive():
            run.process.kill()
            run.process.join(1.0)

    def _finish(self, run: Run) -> None:
        """Close the pipe, send the run's final events and mark it finished, atomically with respect
        to start() and stop().

        A client that reacts to the final event by starting again is accepted, and
        the next run's ``training_started`` can never overtake this run's last event;
        a stop never shuts a pipe closed meanwhile (whose file descriptor may be another's by then).
        """
        with self._lock:
            run.conn.close()
            self._emit_final_events(run)
            run.finished = True
        self._log_end(run)

    def _emit_final_events(self, run: Run) -> None:
        for event in run.live.held() if run.live else ():
            self._emit(run, *event)
        self._emit(
            run, *final_event(run.run_id, run.scenario_name, run.outcome, run.result, run.error, run.episodes_completed)
        )

    def _emit(self, run: Run, event: str, payload: dict[str, Any]) -> None:
        self._emitter.emit(event, payload, to=rooms_for(run.run_id, run.scenario_name))

    @staticmethod
    def _log_end(run: Run) -> None:
        outcome = "failed" if run.outcome not in ("completed", "stopped") else run.outcome
        level = logging.WARNING if outcome == "failed" else logging.INFO
        log.log(
            level,
            "Run %s: %s, %d/%d episodes in %.1f s%s",
            outcome,
            run.scenario_name,
            run.episodes_completed,
            run.total_episodes,
            time.monotonic() - run.started,
            f": {run.error}" if outcome == "failed" else "",
        )

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
