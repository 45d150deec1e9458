"""Simulations computed in worker processes: a bounded pool with a bounded queue in front of it.

The web process never imports torch nor holds a simulation's arrays: each simulation runs in one of at
most ``at_once`` spawned worker processes (started when first needed, replaced after
``jobs_per_worker`` simulations, gone after ``idle_seconds`` without one), so the web process's memory
stays where it was and its event loop (eventlet's hub, or the request threads) keeps answering: it only
polls a pipe. At most ``queued`` more requests wait for a worker; beyond them ``SimulationsBusy`` (the
API answers 503 with Retry-After) instead of a silent wait.

Imported by the spawned workers: no Flask here. A worker speaks over one duplex pipe: parent -> worker
the job's keyword arguments (the pipe closed: exit); worker -> parent ``("started", None)`` once it has the job,
then ``("done", json_text)`` (the saved record) or ``("error", exception)``.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

JOBS_PER_WORKER = 100
"""Simulations a worker computes before it is replaced (whatever its allocator kept goes with it)."""
WORKER_IDLE_SECONDS = 120.0
"""A worker without a simulation for this long exits (its memory goes back to the system)."""
WORKER_NICENESS = 10
"""Added to a worker's scheduling niceness: when the cores are busy, the web process answers first."""
FIRST_ESTIMATE_SECONDS = 2.0
"""Retry-After's guess of a simulation's duration before one has been measured."""


class SimulationsBusy(Exception):
    """Every worker is busy and the queue is full; ``retry_after``: seconds until one place should free up."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WorkerLost(RuntimeError):
    """The worker process ended in the middle of a simulation (killed, or out of memory)."""


def serve_simulations(conn: Connection, idle_seconds: float) -> None:
    """The worker's loop: one job at a time from ``conn`` until told to exit, idle too long, or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server decides
    os.set_blocking(conn.fileno(), True)  # the parent's end may be a green (non-blocking) socket
    os.environ["OMP_NUM_THREADS"] = "1"  # one torch thread each: the pool is already one worker per core
    os.nice(WORKER_NICENESS)
    from hrl_trainer.use.jobs import TASKS  # torch, only in the worker process

    try:
        while conn.poll(idle_seconds):
            job = conn.recv()
            conn.send(("started", None))
            try:
                task = TASKS[job.pop("task")]
                conn.send(("done", json.dumps(task(**job), allow_nan=False)))
            except Exception as exc:  # every failure goes back to the request that asked
                conn.send(("error", exc if picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}")))
    except (EOFError, OSError):
        pass  # the parent is gone
    finally:
        conn.close()


def picklable(value: Any) -> bool:
    """Whether ``value`` survives the trip to the parent (an exception whose constructor takes other arguments does not)."""
    try:
        pickle.loads(pickle.dumps(value))
        return True
    except Exception:
        return False


@dataclass
class Worker:
    """One worker process and the parent's end of its pipe."""

    process: BaseProcess
    conn: Connection
    jobs: int = 0
    idle_since: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        """Close the pipe: the worker reads its end and exits (no message: writing to a worker that died may
        never return under eventlet)."""
        self.conn.close()


class SimulationPool:
    """At most ``at_once`` simulations computed at once in worker processes, at most ``queued`` waiting."""

    def __init__(
        self,
        at_once: int,
        queued: int,
        sleep: Callable[[float], Any] = time.sleep,
        poll_interval: float = 0.01,
        jobs_per_worker: int = JOBS_PER_WORKER,
        idle_seconds: float = WORKER_IDLE_SECONDS,
    ) -> None:
        self.at_once, self.queued = max(1, at_once), max(0, queued)
        self._sleep, self._poll_interval = sleep, poll_interval
        self._jobs_per_worker, self._idle_seconds = jobs_per_worker, idle_seconds
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # green under eventlet; held only for bookkeeping
        self._slots = threading.BoundedSemaphore(self.at_once)
        self._admitted = 0  # running + waiting
        self._idle: list[Worker] = []
        self._seconds = FIRST_ESTIMATE_SECONDS  # a simulation's recent duration

    def run(self, task: str, **job: Any) -> str:
        """Compute ``hrl_trainer.use.jobs.TASKS[task](**job)`` (a simulation, advice) in a worker; returns its
        answer as JSON text.

        Raises SimulationsBusy when ``at_once`` run and ``queued`` wait already, WorkerLost when the worker
        died during the simulation, or what the simulation raised."""
        with self._admission(), self._slots:
            began = time.monotonic()
            text = self._compute({"task": task, **job})
            self._seconds = 0.7 * self._seconds + 0.3 * (time.monotonic() - began)
            return text

    @contextmanager
    def _admission(self) -> Iterator[None]:
        with self._lock:
            if self._admitted >= self.at_once + self.queued:
                waits = self._admitted - self.at_once
                retry_after = max(1, math.ceil(self._seconds))
                raise SimulationsBusy(
                    f"Too many simulations at once: {self.at_once} computing and {waits} waiting, the most this "
                    f"server takes (SIMULATIONS_AT_ONCE, SIMULATIONS_QUEUED); try again in {retry_after} s",
                    retry_after,
                )
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1

    def _compute(self, job: dict[str, Any]) -> str:
        """Give ``job`` to a worker and wait for its answer; a worker that ended before taking it is replaced once."""
        for _ in range(2):
            worker = self._take_worker()
            kind, payload = self._answer(worker, job)
            if kind == "unstarted":
                continue  # it had just left (idle, or killed): the job never began, give it to another
            self._give_back(worker)
            if kind == "done":
                return payload
            raise payload
        raise WorkerLost("No simulation worker process could take the simulation (see the server's log)")

    def _answer(self, worker: Worker, job: dict[str, Any]) -> tuple[str, Any]:
        """Send ``job``; poll (sleeping between looks, so the event loop runs) until the worker answers or dies."""
        started = False
        if not worker.process.is_alive():  # killed while idle: under eventlet, writing to it would never return
            self._discard(worker)
            return "unstarted", None
        try:
            worker.conn.send(job)
            while True:
                alive = worker.process.is_alive()  # before reading: what it sent before dying is read below
                while worker.conn.poll():
                    kind, payload = worker.conn.recv()
                    if kind != "started":
                        return kind, payload
                    started = True
                if not alive:
                    break
                self._sleep(self._poll_interval)
        except (EOFError, OSError, TypeError):
            pass
        self._discard(worker)
        if not started:
            return "unstarted", None
        return "error", WorkerLost(
            f"The simulation's worker process ended during the simulation (exit code {worker.process.exitcode})"
        )

    def _take_worker(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive() and time.monotonic() - worker.idle_since < self._idle_seconds / 2:
                    return worker
                self._discard(worker)  # leaving, or gone: its idle time is (nearly) up
        return self._start_worker()

    def _start_worker(self) -> Worker:
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve_simulations, args=(child_conn, self._idle_seconds), name="hrl-simulations", daemon=True
        )
        try:
            process.start()
        finally:
            child_conn.close()
        return Worker(process, parent_conn)

    def _give_back(self, worker: Worker) -> None:
        worker.jobs += 1
        if worker.jobs >= self._jobs_per_worker:
            self._discard(worker)
            return
        worker.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(worker)

    @staticmethod
    def _discard(worker: Worker) -> None:
        worker.close()
        worker.process.join(0)  # reaped now if it has ended; a daemon otherwise ends with its pipe
