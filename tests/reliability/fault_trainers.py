"""Trainer entries for fault injection, run by the server's child (``HRL_TRAINER_ENTRY``).

``slow_writes`` is the real trainer, except that every file it writes stops half
written for ``WRITE_PAUSE`` seconds: a test sees the temporary file appear and
can kill the child at exactly that moment.
"""
from __future__ import annotations

import io
import os
import time
from typing import Any, BinaryIO, Callable

from hrl_trainer import checkpoints
from hrl_trainer import train as real_train

WRITE_PAUSE = float(os.environ.get("HRL_TEST_WRITE_PAUSE", "0.5"))


def _half_then_pause(write: Callable[[BinaryIO], None]) -> Callable[[BinaryIO], None]:
    def paused(handle: BinaryIO) -> None:
        buffer = io.BytesIO()
        write(buffer)
        data = buffer.getvalue()
        handle.write(data[: len(data) // 2])
        handle.flush()
        time.sleep(WRITE_PAUSE)
        handle.write(data[len(data) // 2:])
    return paused


def slow_writes(config: Any, on_progress: Any = None, should_stop: Any = None) -> Any:
    original = checkpoints.atomic_write
    checkpoints.atomic_write = lambda path, write: original(path, _half_then_pause(write))
    return real_train(config, on_progress=on_progress, should_stop=should_stop)
