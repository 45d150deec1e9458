"""Sets of files that change together: a reader sees all the old files or all the new ones, never a mix.

A set is a few files in one folder under fixed names: a scenario's three model files in `models/`, or
the three files of a checkpoint folder. POSIX renames one file at a time, so `FileSet.replace` works
in three steps, with one atomic rename as the moment the new set takes over:

1. stage: write every new file into a fresh private folder `{prefix}.{random}.tmp/` beside the set,
   each flushed to disk. A kill here leaves the old set untouched (and a staging folder).
2. commit: rename the staging folder to `{prefix}.{random}.commit/`. From here on the new set is the
   current one, wherever its files are.
3. apply: move each file out of the commit folder over its old version, then remove the commit
   folder. A kill here leaves some new files in place and the others still in the commit folder.

Readers (`FileSet.read`) take each file from a commit folder while it is there, else from its place,
so between a kill in step 3 and the next write they already see the whole new set; they never write.
A reader that overlaps a live swap can still open an old file and then a new one; it notices because
a file it holds open is no longer the current one (compared by inode), and reads again.

`replace` first finishes a commit a killed writer left (its moves are idempotent), so at most one is
ever pending; `recover` also deletes staging folders, and the trainer calls it when a run starts.
One writer per set at a time: concurrent writers of the same set are not supported.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hrl_trainer.common.atomic import fsync_dir

STAGING, COMMITTED = ".tmp", ".commit"
READ_ATTEMPTS = 3  # each retry means a whole new set was committed during the previous read


def write_file(path: Path, data: bytes) -> None:
    """Write a new file and flush it to disk (the fault-injection tests pause in here)."""
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class FileSet:
    """The files `names` in `folder`, replaced together; their staging and commit folders are
    `{prefix}.*.tmp` and `{prefix}.*.commit` (prefix: a hidden path in the same file system)."""

    folder: Path
    names: tuple[str, ...]
    prefix: Path

    def _work_folders(self, suffix: str) -> list[Path]:
        return sorted(self.prefix.parent.glob(f"{self.prefix.name}.*{suffix}"))

    # --- writing -------------------------------------------------------------------------------
    def replace(self, contents: dict[str, bytes]) -> None:
        """Replace every file of the set with `contents[name]`; all or nothing, for any reader."""
        self._apply_pending()
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{self.prefix.name}.", suffix=STAGING, dir=self.prefix.parent))
        try:
            for name in self.names:
                write_file(staging / name, contents[name])
            fsync_dir(staging)
            commit = staging.with_suffix(COMMITTED)
            os.rename(staging, commit)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        fsync_dir(self.prefix.parent)
        self._apply(commit)

    def _apply(self, commit: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            try:
                os.replace(commit / name, self.folder / name)
            except FileNotFoundError:
                pass  # moved before an interruption
        fsync_dir(self.folder)
        shutil.rmtree(commit)

    def _apply_pending(self) -> None:
        for commit in self._work_folders(COMMITTED):
            self._apply(commit)

    def recover(self) -> None:
        """Finish a swap a killed writer committed and delete what it staged without committing."""
        self._apply_pending()
        for staging in self._work_folders(STAGING):
            shutil.rmtree(staging)

    # --- reading -------------------------------------------------------------------------------
    def _open(self, name: str) -> BinaryIO:
        for commit in self._work_folders(COMMITTED):
            try:
                return open(commit / name, "rb")
            except FileNotFoundError:
                pass  # already moved into place
        return open(self.folder / name, "rb")

    def _current_inode(self, name: str) -> tuple[int, int] | None:
        try:
            with self._open(name) as handle:
                return inode(handle)
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        """Whether the current set has file `name`."""
        return self._current_inode(name) is not None

    def read(self, *names: str) -> list[bytes]:
        """The bytes of `names` (default: every file), in that order and all of one version of the set.
        FileNotFoundError if one is absent (the set was never written)."""
        names = names or self.names
        for _ in range(READ_ATTEMPTS):
            with ExitStack() as stack:
                handles = [stack.enter_context(self._open(name)) for name in names]
                contents = [handle.read() for handle in handles]
                if all(self._current_inode(name) == inode(handle) for name, handle in zip(names, handles)):
                    return contents
        raise RuntimeError(f"{self.folder}: {', '.join(names)} kept changing while being read")


def inode(handle: BinaryIO) -> tuple[int, int]:
    stat = os.fstat(handle.fileno())
    return stat.st_dev, stat.st_ino
