"""Trainer entries for fault injection, run by the server's child (``HRL_TRAINER_ENTRY``).

``slow_writes`` is the real trainer, except that every file it writes stops half written for
``WRITE_PAUSE`` seconds, and so does the swap of a set of files between two moves of its committed
files into place (see ``hrl_trainer.common.filesets``): a test sees the staging folder (or the commit
folder) and can kill the child at exactly that moment. The pause is read when a run starts: from the
file named by ``$HRL_TEST_WRITE_PAUSE_FILE`` if set (``pause_writes`` changes it between the runs of
one server, so that runs nobody watches do not wait), else ``$HRL_TEST_WRITE_PAUSE``, else 0.5 s.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from hrl_trainer import train as real_train
from hrl_trainer.common import filesets

DEFAULT_WRITE_PAUSE = 0.5
WRITE_PAUSE = DEFAULT_WRITE_PAUSE


def pause_writes(pause_file: Path, seconds: float) -> None:
    """The write pause of the runs started from now on by a server whose ``$HRL_TEST_WRITE_PAUSE_FILE`` is
    ``pause_file``."""
    pause_file.write_text(str(seconds))


def _write_pause() -> float:
    named = os.environ.get("HRL_TEST_WRITE_PAUSE_FILE")
    return float(Path(named).read_text() if named else os.environ.get("HRL_TEST_WRITE_PAUSE", DEFAULT_WRITE_PAUSE))


def _write_half_then_pause(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        time.sleep(WRITE_PAUSE)
        handle.write(data[len(data) // 2 :])


def _pause_between_moves_out_of_a_commit(replace: Any) -> Any:
    def paused(source: Any, target: Any) -> None:
        replace(source, target)
        commit = Path(source).parent
        if commit.suffix == filesets.COMMITTED and any(commit.iterdir()):
            time.sleep(WRITE_PAUSE)

    return paused


def slow_writes(config: Any, on_progress: Any = None, should_stop: Any = None) -> Any:
    global WRITE_PAUSE
    WRITE_PAUSE = _write_pause()
    filesets.write_file = _write_half_then_pause
    os.replace = _pause_between_moves_out_of_a_commit(os.replace)  # this child process only
    return real_train(config, on_progress=on_progress, should_stop=should_stop)
