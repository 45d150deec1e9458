"""Cluster mode's supervisor: runs are Celery tasks on Redis, their state is on the shared ``RunBoard``.

The web process only queues, reads and stops runs; workers train and emit progress through
Flask-SocketIO's message queue (the same Redis), which relays it to the clients of every web process.
A background monitor in each web process fails a running run whose worker stopped beating for
``heartbeat_timeout`` seconds (killed, or its machine lost): one ``training_error``, the scenario
free again, and never a silent retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hrl_api.cluster.run_board import ACTIVE_STATES, BrokerError, RunBoard
from hrl_api.training import protocol
from hrl_api.training.events import final_event, rooms_for
from hrl_trainer.common.clock import now_iso
from hrl_trainer.common.thinning import thin_evenly
from hrl_trainer.store.runlock import ScenarioLocked, is_locked, read_holder
from hrl_trainer.store.runs import new_run_id

log = logging.getLogger(__name__)
TASK_NAME = "hrl_finance.train_run"
TRAINING_QUEUE = "hrl-training"
"""The Celery queue of training runs (a Redis list), so that other apps may share the Redis."""
MONITOR_INTERVAL = 1.0
"""Seconds between two looks at the running runs' heartbeats."""
STOP_POLL = 0.05


class BrokerUnavailable(protocol.SupervisorError):
    """Redis does not answer: nothing can be queued, stopped or read from the cluster right now."""

    status = 503


class SeveralRunsActive(protocol.SupervisorError):
    """Stop without a run id while several runs are queued or training."""

    status = 400


def has_slot(ahead: int, slots: int) -> bool:
    """Whether a queued run with ``ahead`` active runs before it gets a worker now: the start answers
    "started" then, and the run is shown ``running`` from then on (``shown_state``)."""
    return ahead < slots


def shown_state(run: dict[str, Any], ahead: int, slots: int) -> str:
    """A run's state as the API shows it: a queued run that ``has_slot`` (a free worker is taking it, the
    start answered "started") is ``running``, as the start answer said."""
    return "running" if run["state"] == "queued" and has_slot(ahead, slots) else run["state"]


def status_of(run: dict[str, Any] | None) -> dict[str, Any]:
    """The spec's status body for a run of the board (``protocol.IDLE_STATUS`` for none)."""
    if run is None:
        return dict(protocol.IDLE_STATUS)
    return protocol.status_body(
        scenario_name=run["scenario_name"],
        latest=run["latest_progress"],
        total_episodes=run["total_episodes"],
        start_time=run.get("start_time"),
        run_id=run["run_id"],
        settings=run["settings"],
        state=run["state"],
        error=run.get("error"),
        phase=run.get("phase"),
        phase_detail=run.get("phase_detail") or None,
    )


class ClusterSupervisor:
    """Training through Celery workers; the same interface as ``TrainingSupervisor``."""

    def __init__(
        self,
        emitter: protocol.Emitter,
        *,
        broker_url: str,
        models_dir: str,
        stop_timeout: float,
        heartbeat_timeout: float,
        poll_interval: float = STOP_POLL,
    ) -> None:
        from celery import Celery

        self._emitter = emitter
        self._board = RunBoard(broker_url)
        self._celery = Celery("hrl_finance", broker=broker_url, set_as_current=False)
        self._celery.conf.broker_connection_retry_on_startup = True
        self._models_dir = models_dir
        self._stop_timeout = stop_timeout
        self._heartbeat_timeout = heartbeat_timeout
        self._poll_interval = poll_interval
        self._was_training = False
        self._beats: dict[str, tuple[int, float]] = {}  # run id -> (last heartbeat seen, when it changed)
        emitter.start_background_task(self._monitor)

    # -- queries ---------------------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        """Whether any run is queued or training (the last answer known when Redis is down)."""
        try:
            self._was_training = self._board.active_count() > 0
        except BrokerError:
            pass
        return self._was_training

    def health(self) -> dict[str, Any]:
        try:
            return {"mode": "cluster", "broker": "up", "workers": self._board.worker_slots()}
        except BrokerError:
            return {"mode": "cluster", "broker": "down", "workers": 0}

    def status(self, run_id: str | None = None, scenario_name: str | None = None) -> dict[str, Any]:
        """The most recently started run (or the one named, or the scenario's latest active one)."""
        with self._reading():
            if run_id:
                return status_of(self._shown(self._board.run(run_id)))
            if scenario_name:
                mine = [run for run in self._shown_active() if run["scenario_name"] == scenario_name]
                latest = self._board.latest()
                if not mine and latest and latest["scenario_name"] == scenario_name:
                    mine = [latest]
                return status_of(mine[-1] if mine else None)
            return status_of(self._shown(self._board.latest()))

    def progress_log(self, since: int = 0, max_points: int | None = None) -> dict[str, Any]:
        with self._reading():
            run = self._board.latest()
            records = self._board.progress(run["run_id"]) if run else []
        return {
            "run_id": run["run_id"] if run else None,
            "scenario_name": run["scenario_name"] if run else None,
            "progress": thin_evenly([r for r in records if r["episode"] > since], max_points),
        }

    def pending_runs(self) -> list[dict[str, Any]]:
        """Queued and running runs as run summaries (a queued run has no folder yet)."""
        with self._reading():
            return [
                {
                    "run_id": run["run_id"],
                    "scenario_name": run["scenario_name"],
                    "status": run["state"],
                    "started_at": None,
                    "queued_at": run.get("queued_at"),
                    "finished_at": None,
                    "episodes_completed": run["episodes_completed"],
                    "total_episodes": run["total_episodes"],
                    "settings": run["settings"],
                }
                for run in self._shown_active()
            ]

    # -- commands --------------------------------------------------------------------------------
    def start(self, params: dict[str, Any], episode_offset: int = 0) -> dict[str, Any]:
        """Queue a run; ``data.status`` is "started" when a worker slot is free for it, else "queued".
        Raises ``ScenarioLocked`` when the scenario is queued or training (anywhere in the cluster, or
        by a CLI run on this machine), BrokerUnavailable when Redis does not answer."""
        scenario = params["scenario_name"]
        if is_locked(scenario, self._models_dir):
            raise ScenarioLocked(scenario, read_holder(scenario, self._models_dir))
        run_id = new_run_id(scenario)
        start_time = now_iso()
        with self._reading("Training failed to start"):
            slots = self._board.worker_slots()
            taken, detail = self._board.enqueue(
                run_id,
                scenario,
                num_episodes=params["num_episodes"],
                total_episodes=episode_offset + params["num_episodes"],
                start_time=start_time,
                queued_at=start_time,
                settings={key: params.get(key) for key in protocol.RUN_SETTINGS},
            )
            if not taken:
                raise ScenarioLocked(scenario, detail)
            queued = not has_slot(detail, slots)
            if queued:
                self._emit(
                    run_id,
                    scenario,
                    "training_queued",
                    {
                        "scenario_name": scenario,
                        "num_episodes": params["num_episodes"],
                        "run_id": run_id,
                        "position": detail,
                    },
                )
        try:
            self._celery.send_task(TASK_NAME, args=[run_id, params], task_id=run_id, queue=TRAINING_QUEUE)
        except Exception as exc:  # the broker went away between the two steps
            self._end(run_id, scenario, "failed", error=f"Could not queue the run: {exc}")
            raise protocol.StartFailed("Training failed to start", {"_schema": [f"broker: {exc}"]}) from exc
        log.info(
            "Run %s: %s, %d episodes", "queued" if queued else "sent to a worker", scenario, params["num_episodes"]
        )
        return {
            "status": "queued" if queued else "started",
            "scenario_name": scenario,
            "num_episodes": params["num_episodes"],
            "start_time": start_time,
            "run_id": run_id,
        }

    def stop(self, run_id: str | None = None) -> dict[str, Any]:
        """Cancel a queued run at once, or ask a running one to stop after its episode and wait
        (bounded) until its worker has saved it. Without ``run_id``, the only active run."""
        with self._reading("Failed to stop training"):
            run = self._target(run_id)
            if run["state"] == "queued" and self._end(
                run["run_id"], run["scenario_name"], "stopped", episodes_completed=0
            ):
                self._celery.control.revoke(run["run_id"])  # the worker would skip it anyway
            else:
                self._board.request_stop(run["run_id"])
        ended = self._wait_ended(run["run_id"], self._stop_timeout)
        if ended is None:
            self._celery.control.revoke(run["run_id"], terminate=True, signal="SIGTERM")
            raise protocol.StopFailed(
                "Failed to stop training",
                {
                    "_schema": [
                        f"The run did not stop within {self._stop_timeout:g} s; its worker was asked to terminate it"
                    ]
                },
            )
        if ended["state"] == "failed":
            raise protocol.StopFailed("Failed to stop training", {"_schema": [ended.get("error") or "unknown error"]})
        return {
            "run_id": ended["run_id"],
            "status": ended["state"],
            "scenario_name": ended["scenario_name"],
            "episodes_completed": ended["episodes_completed"],
            "total_episodes": ended["total_episodes"],
        }

    def shutdown(self) -> None:
        """Nothing to do: the runs belong to the cluster, not to this web process."""

    # -- helpers ---------------------------------------------------------------------------------
    @contextmanager
    def _reading(self, message: str = "The broker is unavailable") -> Iterator[None]:
        """Redis errors inside become ``BrokerUnavailable`` (503) with ``message``."""
        try:
            yield
        except BrokerError as exc:
            raise BrokerUnavailable(message, {"_schema": [f"Redis at the broker URL does not answer: {exc}"]}) from exc

    def _shown(self, run: dict[str, Any] | None) -> dict[str, Any] | None:
        """``run`` with the state the API shows (``shown_state``)."""
        if run is None or run["state"] != "queued":
            return run
        ahead = self._board.runs_ahead(run["run_id"])
        return run if ahead is None else {**run, "state": shown_state(run, ahead, self._board.worker_slots())}

    def _shown_active(self) -> list[dict[str, Any]]:
        """The active runs, oldest first, with the states the API shows (``shown_state``)."""
        runs, slots = self._board.active(), self._board.worker_slots()
        return [{**run, "state": shown_state(run, ahead, slots)} for ahead, run in enumerate(runs)]

    def _target(self, run_id: str | None) -> dict[str, Any]:
        if run_id is not None:
            run = self._board.run(run_id)
            if run is None or run["state"] not in ACTIVE_STATES:
                raise protocol.NoTrainingInProgress(
                    "No training in progress", {"run_id": [f"Run '{run_id}' is not queued or training"]}
                )
            return run
        active = self._board.active()
        if not active:
            raise protocol.NoTrainingInProgress("No training in progress")
        if len(active) > 1:
            raise SeveralRunsActive(
                "Several runs are active",
                {"run_id": ["Name the run to stop: " + ", ".join(run["run_id"] for run in active)]},
            )
        return active[0]

    def _wait_ended(self, run_id: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                run = self._board.run(run_id)
                if run is not None and run["state"] not in ACTIVE_STATES:
                    return run
            except BrokerError:
                pass
            self._emitter.sleep(self._poll_interval)
        return None

    def _end(self, run_id: str, scenario: str, state: str, heartbeat: int | None = None, **fields: Any) -> bool:
        """End the run on the board; the one process that succeeds sends its final event."""
        fields = {"finished_at": now_iso(), **fields}
        if not self._board.finish(run_id, state, heartbeat=heartbeat, scenario_name=scenario, **fields):
            return False
        self._emit(
            run_id,
            scenario,
            *final_event(run_id, scenario, state, None, fields.get("error"), fields.get("episodes_completed", 0)),
        )
        log.log(
            logging.WARNING if state == "failed" else logging.INFO,
            "Run %s: %s%s",
            state,
            scenario,
            f": {fields['error']}" if fields.get("error") else "",
        )
        return True

    def _emit(self, run_id: str, scenario: str, event: str, payload: dict[str, Any]) -> None:
        self._emitter.emit(event, payload, to=rooms_for(run_id, scenario))

    # -- the monitor (background task) -----------------------------------------------------------
    def _monitor(self) -> None:
        while True:
            try:
                self._check_heartbeats()
            except BrokerError:
                self._beats.clear()  # time without Redis is not time without heartbeats
            except Exception:
                log.exception("Run monitor")
            self._emitter.sleep(MONITOR_INTERVAL)

    def _check_heartbeats(self) -> None:
        now = time.monotonic()
        running = {run["run_id"]: run for run in self._board.active() if run["state"] == "running"}
        self._beats = {run_id: beat for run_id, beat in self._beats.items() if run_id in running}
        for run_id, run in running.items():
            seen = self._beats.get(run_id)
            if seen is None or seen[0] != run["heartbeat"]:
                self._beats[run_id] = (run["heartbeat"], now)
            elif now - seen[1] > self._heartbeat_timeout:
                self._end(
                    run_id,
                    run["scenario_name"],
                    "failed",
                    heartbeat=run["heartbeat"],
                    episodes_completed=run["episodes_completed"],
                    error=f"The worker training it ({run.get('worker') or 'unknown'}) stopped answering "
                    f"for {self._heartbeat_timeout:g} s (killed, or its machine was lost)",
                )
