"""Work that is done once for a file in the models folder, however many callers want it at the same time.

The flat PPO of a model and the tunings of a household's baselines are computed on first use (seconds
to a minute) and kept. Two simulations asking for the same one together would both compute it; with
`computed_once` the second waits for the first (an OS file lock, `models/locks/once/`, for threads and
processes alike) and then reads the file the first wrote.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from hrl_trainer.common.paths import resolve_models_dir

T = TypeVar("T")
LOCKS = ("locks", "once")
"""Where the lock files live, under the models folder (beside the scenarios' writer locks, which tests and
listings already leave out)."""


def lock_path(path: Path, models_dir: str | Path | None = None) -> Path:
    """`models/locks/once/{path's parts under the models folder, joined by '__'}.lock`."""
    root = resolve_models_dir(models_dir)
    return root.joinpath(*LOCKS, "__".join(Path(path).relative_to(root).parts) + ".lock")


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (created if needed) for the block, waiting for it; without a
    lock when the file cannot be opened (a read-only models folder), where nothing is written anyway."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def computed_once(
    path: Path,
    models_dir: str | Path | None,
    read: Callable[[], T | None],
    compute: Callable[[], T],
    write: Callable[[T], None],
) -> T:
    """What `read()` finds for the file `path`, else `compute()`, then `write` it (an OSError from writing is
    ignored: the value is still right, only not remembered). Callers that miss together compute it once."""
    value = read()
    if value is not None:
        return value
    with exclusive(lock_path(path, models_dir)):
        value = read()  # whoever held the lock before may have written it
        if value is None:
            value = compute()
            try:
                write(value)
            except OSError:
                pass
    return value
