"""One writer per scenario: an OS file lock (`fcntl.flock`) per scenario in the models folder.

Whoever trains a scenario, publishes one of its runs or deletes one holds `models/locks/{scenario}.lock`
for as long as it writes; the file names the holder (a run id, or what is being done). A second writer,
in any process on the machine, is refused at once with `ScenarioLocked`. The lock belongs to the open
file, not to a path or a process id: it dies with the last process holding the file open, so a killed
trainer never blocks the next one, and a lock can be handed to a spawned child (see `__reduce__`).
"""

from __future__ import annotations

import fcntl
import os
import time
from multiprocessing import reduction
from pathlib import Path

from hrl_trainer.common.paths import resolve_models_dir, validate_name

LOCKS_FOLDER = "locks"
ACQUIRE_ATTEMPTS = 5
"""Non-blocking tries, `RETRY_SECONDS` apart: another process may be probing the lock for a moment."""
RETRY_SECONDS = 0.02

_held: dict[str, ScenarioLock] = {}  # locks this process was handed (see `hold`), by lock file path


class ScenarioLocked(RuntimeError):
    """Another writer holds the scenario; `holder` names it (a run id) when known."""

    def __init__(self, scenario: str, holder: str | None):
        who = f"run {holder}" if holder else "another process"
        super().__init__(f"Scenario '{scenario}' is being written by {who}; try again when it has finished")
        self.scenario, self.holder = scenario, holder


def lock_path(scenario: str, models_dir: str | Path | None = None) -> Path:
    """`models/locks/{scenario}.lock`."""
    return resolve_models_dir(models_dir) / LOCKS_FOLDER / f"{validate_name(scenario)}.lock"


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def read_holder(scenario: str, models_dir: str | Path | None = None) -> str | None:
    """What the lock file says about its holder (None if nothing yet)."""
    try:
        return lock_path(scenario, models_dir).read_text().strip() or None
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def is_locked(scenario: str, models_dir: str | Path | None = None) -> bool:
    """Whether someone (this process included) holds the scenario right now."""
    path = lock_path(scenario, models_dir)
    if str(path) in _held:
        return True
    if not path.exists():
        return False
    fd = _open(path)
    try:
        return not _try_flock(fd)
    finally:
        os.close(fd)  # closing releases a lock taken by the probe


class ScenarioLock:
    """A held scenario lock; `release()` (or leaving a `with` block) gives it up."""

    def __init__(self, fd: int, scenario: str, path: Path):
        self.fd, self.scenario, self.path = fd, scenario, path

    @classmethod
    def acquire(
        cls, scenario: str, holder: str, models_dir: str | Path | None = None, attempts: int = ACQUIRE_ATTEMPTS
    ) -> ScenarioLock:
        """Take the scenario's lock and write `holder` into it, or raise ScenarioLocked at once."""
        path = lock_path(scenario, models_dir)
        if str(path) in _held:  # handed over by the parent (the server's training child)
            return _held[str(path)]
        fd = _open(path)
        for attempt in range(attempts):
            if _try_flock(fd):
                break
            if attempt + 1 < attempts:
                time.sleep(RETRY_SECONDS)
        else:
            os.close(fd)
            raise ScenarioLocked(scenario, read_holder(scenario, models_dir))
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        return cls(fd, scenario, path)

    @property
    def held(self) -> bool:
        return self.fd >= 0

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self.held:
            _held.pop(str(self.path), None)
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> ScenarioLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __reduce__(self):
        """Pickled for a multiprocessing child, the lock travels as a duplicate of its file descriptor:
        parent and child then share one open file, and the lock stays held while either keeps it open."""
        return _rebuild, (reduction.DupFd(self.fd), self.scenario, str(self.path))


def _rebuild(dup: object, scenario: str, path: str) -> ScenarioLock:
    return ScenarioLock(dup.detach(), scenario, Path(path))


def hold(lock: ScenarioLock) -> None:
    """Remember a lock this process was handed, so that `ScenarioLock.acquire` returns it."""
    _held[str(lock.path)] = lock
