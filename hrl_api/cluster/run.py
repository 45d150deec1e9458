"""One queued run, trained inside a Celery worker process (cluster mode; see ``hrl_api.cluster.tasks``).

The worker reports the way the embedded supervisor does, to the same rooms and with the same
payloads, but through Flask-SocketIO's message queue (python-socketio's ``RedisManager``, write-only:
"emitting from an external process"), and keeps the run's state on the ``RunBoard``. A thread beats
every ``HEARTBEAT_INTERVAL`` seconds while the run trains; web processes fail a run whose beats stop.
Redis may go away mid-run: the training goes on, what cannot be written is skipped (events are
dropped, never reordered), and the run's end is retried until Redis is back (``FINISH_PATIENCE``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from hrl_api.cluster.run_board import TIMEOUTS, BrokerError, RunBoard
from hrl_api.training.child import call_trainer, load_entry
from hrl_api.training.events import LiveEvents, final_event, rooms_for
from hrl_api.training.progress_log import ProgressLog
from hrl_trainer.common.clock import now_iso

log = logging.getLogger(__name__)
HEARTBEAT_INTERVAL = 1.0
STOP_CHECK_INTERVAL = 0.2
"""Seconds between two looks at the run's stop flag (a Redis read)."""
FINISH_PATIENCE = 300.0
"""Seconds the worker keeps trying to record the run's end while Redis is away."""


@dataclass(frozen=True)
class WorkerSettings:
    """Where a worker finds Redis, the shared models folder, the scenarios and the trainer."""

    broker_url: str
    message_queue: str
    channel: str
    models_dir: str
    scenarios_dir: str
    trainer_entry: str
    progress_min_interval: float = 0.0
    """Seconds between two `training_progress` events of a run (the last one is always sent), as embedded."""


class Heartbeat(threading.Thread):
    """Raises the run's heartbeat every ``HEARTBEAT_INTERVAL`` s until ``stop()``."""

    def __init__(self, board: RunBoard, run_id: str) -> None:
        super().__init__(name=f"heartbeat-{run_id}", daemon=True)
        self._board, self._run_id = board, run_id
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._board.beat(self._run_id)
            except BrokerError:
                pass  # Redis is away: the web processes do not count this time against the run
            self._stopped.wait(HEARTBEAT_INTERVAL)

    def stop(self) -> None:
        self._stopped.set()


class QueuedRun:
    """Trains run ``run_id`` (queued on the board by a web process) with the request's ``params``."""

    def __init__(self, settings: WorkerSettings, run_id: str, params: dict[str, Any], worker: str) -> None:
        import socketio

        self.settings, self.run_id, self.params, self.worker = settings, run_id, params, worker
        self.board = RunBoard(settings.broker_url)
        self.events = socketio.RedisManager(
            settings.message_queue, channel=settings.channel, write_only=True, redis_options=dict(TIMEOUTS)
        )
        self.progress = ProgressLog()
        self.scenario = params["scenario_name"]
        self._mirrored_sparse, self._thinnings = 0, 0
        self._next_stop_check, self._stop = 0.0, False
        self.live = LiveEvents(run_id, self.scenario, settings.progress_min_interval)

    def train(self) -> str:
        """Train unless the run is no longer queued (cancelled, or its task delivered twice: a run is
        never trained twice). Returns what happened: skipped, completed, stopped or failed."""
        start_time = now_iso()
        if not self.board.mark_running(self.run_id, worker=self.worker, start_time=start_time, heartbeat=0):
            log.warning("Run %s is no longer queued; not training it", self.run_id)
            return "skipped"
        self._emit(
            "training_started",
            {
                "scenario_name": self.scenario,
                "num_episodes": self.params["num_episodes"],
                "start_time": start_time,
                "run_id": self.run_id,
            },
        )
        heartbeat = Heartbeat(self.board, self.run_id)
        heartbeat.start()
        result, error = None, None
        try:
            from hrl_trainer import TrainConfig

            config = TrainConfig(
                **self.params,
                models_dir=self.settings.models_dir,
                scenarios_dir=self.settings.scenarios_dir,
                run_id=self.run_id,
            )
            result = call_trainer(
                load_entry(self.settings.trainer_entry),
                config,
                on_progress=self._on_progress,
                should_stop=self._should_stop,
                on_event=self._on_event,
            ).to_dict()
            outcome = "stopped" if result["stopped"] else "completed"
        except Exception as exc:  # every failure ends the run with one training_error
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            heartbeat.stop()
        self._finish(outcome, result, error)
        return outcome

    def _on_progress(self, progress: dict[str, Any]) -> None:
        record = self.live.record(progress)
        self.progress.append(record)
        for event in self.live.progress(record):
            self._emit(*event)
        sparse = self.progress.sparse_records()
        rewritten = self.progress.thinnings != self._thinnings
        try:
            self.board.record_progress(
                self.run_id, record, sparse if rewritten else sparse[self._mirrored_sparse :], rewritten
            )
            self._mirrored_sparse, self._thinnings = len(sparse), self.progress.thinnings
        except BrokerError:
            pass  # the next record tries again; the sparse mirror catches up then

    def _on_event(self, kind: str, payload: dict[str, Any]) -> None:
        """The trainer's other reports: an update's diagnostics (relayed), or a new phase (kept on the board for
        the status of every web process)."""
        if kind == "diagnostics":
            for event in self.live.diagnostics(payload):
                self._emit(*event)
        elif kind == "phase":
            self.live.change_phase(payload)
            try:
                self.board.update(self.run_id, phase=self.live.phase, phase_detail=self.live.phase_detail or {})
            except BrokerError:
                pass  # the status says the old phase until the next one is recorded

    def _should_stop(self) -> bool:
        now = time.monotonic()
        if not self._stop and now >= self._next_stop_check:
            self._next_stop_check = now + STOP_CHECK_INTERVAL
            try:
                self._stop = self.board.stop_requested(self.run_id)
            except BrokerError:
                pass
        return self._stop

    def _finish(self, outcome: str, result: dict[str, Any] | None, error: str | None) -> None:
        episodes = (
            result["episodes_completed"] if result else (self.progress.latest["episode"] if self.progress.latest else 0)
        )
        fields = {
            "scenario_name": self.scenario,
            "episodes_completed": episodes,
            "result": result,
            "error": error,
            "finished_at": now_iso(),
        }
        deadline = time.monotonic() + FINISH_PATIENCE
        while True:
            try:
                ended_here = self.board.finish(self.run_id, outcome, **fields)
                break
            except BrokerError:
                if time.monotonic() > deadline:
                    log.error("Run %s ended (%s) but Redis did not come back to record it", self.run_id, outcome)
                    return
                time.sleep(HEARTBEAT_INTERVAL)
        if ended_here:  # else a web process already failed it (its worker looked dead) and said so
            for event in self.live.held():
                self._emit(*event)
            self._emit(*final_event(self.run_id, self.scenario, outcome, result, error, episodes))

    def _emit(self, event: str, payload: dict[str, Any]) -> None:
        self.events.emit(event, payload, namespace="/", room=rooms_for(self.run_id, self.scenario))
