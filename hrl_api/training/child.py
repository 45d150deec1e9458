"""Entry point of the spawned training child process.

Imported by the child without the web app: it builds no Flask app and never
monkey-patches. The parent talks to it over one duplex pipe:

* child -> parent: ``("progress", dict)`` per episode, ``("diagnostics", dict)`` per agent per PPO update and
  ``("phase", dict)`` when the trainer turns to evaluating or saving (a trainer whose entry takes ``on_event``),
  then exactly one of ``("result", TrainResult.to_dict())`` or ``("error", "Type: message")``;
* parent -> child: nothing is ever written; the parent asks for a stop by shutting its end for
  writing (``request_stop``), and the child reads end-of-file, as it does when the parent is gone.
  A write could hang the server: once the child has closed its end (after its result, as it exits),
  eventlet's green ``os.write`` retries the EPIPE error forever instead of raising it.
"""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import socket
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def load_entry(entry: str) -> Callable[..., Any]:
    """Resolve ``"package.module:function"`` to the function."""
    module_name, _, attribute = entry.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"Trainer entry must look like 'module:function', got {entry!r}")
    return getattr(importlib.import_module(module_name), attribute)


def call_trainer(
    train: Callable[..., Any],
    config: Any,
    on_progress: Callable[[dict], None],
    should_stop: Callable[[], bool],
    on_event: Callable[[str, dict], None],
) -> Any:
    """``train(config, on_progress=..., should_stop=..., on_event=...)``; without ``on_event`` for an entry that
    does not take it (a trainer written before it existed, as ``HRL_TRAINER_ENTRY`` may name)."""
    try:
        parameters = inspect.signature(train).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    takes_events = any(p.name == "on_event" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    extra = {"on_event": on_event} if takes_events else {}
    return train(config, on_progress=on_progress, should_stop=should_stop, **extra)


class ParentLink:
    """The child's end of the pipe: sends messages and answers ``should_stop``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._stop = False

    def send(self, kind: str, payload: Any) -> None:
        """Send a message; if the parent is gone, remember to stop instead of failing."""
        if self._conn.closed:
            return
        try:
            self._conn.send((kind, payload))
        except OSError:
            self._parent_gone()

    def should_stop(self) -> bool:
        """True once the parent asked to stop or went away: either way the pipe reads end-of-file."""
        if not self._stop:
            try:
                self._stop = self._conn.poll()
            except OSError:
                self._parent_gone()
        return self._stop

    def _parent_gone(self) -> None:
        self._stop = True
        self._conn.close()


def request_stop(conn: Connection) -> None:
    """The parent's stop request: shut its end of the pipe (a socket pair) for writing, so that the
    child reads end-of-file while its progress and result still come through. Never blocks; raises
    OSError once the parent's end is closed."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(conn.fileno())) as end:
        end.shutdown(socket.SHUT_WR)


def run_training(entry: str, config: dict[str, Any], conn: Connection, scenario_lock: Any = None) -> None:
    """Train with the function named by ``entry`` and report everything through ``conn``, holding
    ``scenario_lock`` (a ``runlock.ScenarioLock`` the parent took for this run) until the end."""
    # Ctrl-C in a terminal signals the whole process group; the server decides
    # how to stop us (gracefully, via the pipe), so the child ignores SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Under eventlet the parent creates the pipe from green (non-blocking) sockets: a send to a full
    # pipe would then fail with EAGAIN, read as "parent gone", and end the run early whenever the
    # trainer outpaces the relay. The child blocks instead, until the relay catches up.
    os.set_blocking(conn.fileno(), True)
    link = ParentLink(conn)
    if scenario_lock is not None:
        from hrl_trainer.store.runlock import hold

        hold(scenario_lock)  # the trainer finds it instead of locking the scenario again
    try:
        # Two cores: one for this trainer, one for the server (see stack notes). torch, loaded by the trainer entry
        # (a fake trainer in the tests does without it, and starts in a tenth of the time), reads this as it loads.
        os.environ["OMP_NUM_THREADS"] = "1"
        from hrl_trainer import TrainConfig

        result = call_trainer(
            load_entry(entry),
            TrainConfig(**config),
            on_progress=lambda progress: link.send("progress", progress),
            should_stop=link.should_stop,
            on_event=link.send,
        )
        link.send("result", result.to_dict())
    except Exception as exc:  # every failure becomes one message to the parent
        link.send("error", f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
