"""The Celery application of cluster mode: ``celery -A hrl_api.cluster.tasks worker`` trains queued runs.

    HRL_BROKER_URL=redis://HOST:6379/0 HRL_MODELS_DIR=/shared/models \\
        celery -A hrl_api.cluster.tasks worker --concurrency 2 --max-tasks-per-child 50 --loglevel INFO

The settings below make a worker take a run only when one of its processes is free (no prefetching:
a queued run waits in Redis, where any worker can take it, and runs start in the order they were
queued) and acknowledge a run as it starts, so that a run whose worker dies is never delivered again
(a training run is not idempotent; the web processes report it failed instead, see
``ClusterSupervisor``). Each worker process imports torch and the trainer once, when it starts
("warm" workers), and trains on one thread.

Environment: ``HRL_BROKER_URL`` (or celery's ``--broker``), ``HRL_MESSAGE_QUEUE`` (default: the broker),
``HRL_MODELS_DIR`` / ``HRL_SCENARIOS_DIR`` (the shared folders as this machine mounts them),
``HRL_TRAINER_ENTRY`` and ``HRL_PROGRESS_MIN_INTERVAL`` (as the web process reads them).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from celery import Celery, signals

from hrl_api.cluster.run import STOP_CHECK_INTERVAL, QueuedRun, WorkerSettings
from hrl_api.cluster.run_board import WORKER_TTL, BrokerError, RunBoard
from hrl_api.cluster.supervisor import TASK_NAME, TRAINING_QUEUE
from hrl_api.core.config import MESSAGE_QUEUE_CHANNEL
from hrl_api.training.child import load_entry
from hrl_trainer.common.environment import BROKER_URL, MESSAGE_QUEUE, PROGRESS_MIN_INTERVAL, TRAINER_ENTRY

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


def make_celery(broker_url: str | None = None) -> Celery:
    """The Celery app; its broker is ``broker_url``, else ``$HRL_BROKER_URL``."""
    app = Celery("hrl_finance", broker=broker_url or BROKER_URL.value() or DEFAULT_BROKER_URL)
    app.conf.update(
        task_acks_late=False,  # acknowledged as it starts: a lost worker's run is never retried silently
        task_reject_on_worker_lost=False,
        worker_disable_prefetch=True,  # take a run only when a process is free
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=False,  # Redis restarting does not end runs
        task_ignore_result=True,  # outcomes live on the run board and in the run's folder
        task_default_queue=TRAINING_QUEUE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


celery_app = make_celery()


def worker_settings() -> WorkerSettings:
    from hrl_trainer import resolve_models_dir, resolve_scenarios_dir

    broker = str(celery_app.conf.broker_url)
    return WorkerSettings(
        broker_url=broker,
        message_queue=MESSAGE_QUEUE.value() or broker,
        channel=MESSAGE_QUEUE_CHANNEL,
        models_dir=str(resolve_models_dir(None)),
        scenarios_dir=str(resolve_scenarios_dir(None)),
        trainer_entry=TRAINER_ENTRY.value(),
        progress_min_interval=PROGRESS_MIN_INTERVAL.value(),
    )


@celery_app.task(name=TASK_NAME, ignore_result=True, acks_late=False)
def train_run(run_id: str, params: dict[str, Any]) -> str:
    """Train a run the web process queued; returns how it ended (or "skipped")."""
    return QueuedRun(worker_settings(), run_id, params, train_run.request.hostname or "worker").train()


@signals.worker_process_init.connect
def _warm_up(sender: Any = None, **_: Any) -> None:
    """Each worker process: one thread for torch, the trainer imported before the first run, and then
    (warm) its training slot announced on the board, renewed until the process ends or dies."""
    import torch

    torch.set_num_threads(1)
    load_entry(worker_settings().trainer_entry)
    _announce_slot(f"{sender or 'worker'}/{os.getpid()}")


def _announce_slot(name: str) -> None:
    board = RunBoard(worker_settings().broker_url)
    ending = threading.Event()

    def renew() -> None:
        while not ending.is_set():
            try:
                board.register_worker(name, 1)
            except BrokerError:
                pass
            ending.wait(WORKER_TTL / 3)

    threading.Thread(target=renew, name="hrl-slot-registration", daemon=True).start()

    @signals.worker_process_shutdown.connect(weak=False)
    def _withdraw(**_: Any) -> None:
        ending.set()
        try:
            board.unregister_worker(name)
        except BrokerError:
            pass


@signals.worker_shutting_down.connect
def _stop_runs_of(sender: Any = None, **_: Any) -> None:
    """A worker asked to shut down (SIGTERM to its main process, Ctrl-C: Celery's warm shutdown) takes no new
    run and waits for its running ones: this asks them to stop the way POST stop does (each finishes its
    batch, saves and ends as stopped). Asked again until the worker exits, so that a run the worker had just
    received when the signal came stops too. ``sender`` is the worker's name, as its runs record it."""
    threading.Thread(target=_keep_stopping_runs_of, args=(str(sender),), name="hrl-stop-runs", daemon=True).start()


def _keep_stopping_runs_of(worker: str) -> None:
    board = RunBoard(worker_settings().broker_url)
    while True:
        try:
            for run in board.active():
                if run["state"] == "running" and run.get("worker") == worker and run.get("stop") != "1":
                    board.request_stop(run["run_id"])
        except BrokerError:
            pass
        time.sleep(STOP_CHECK_INTERVAL)
