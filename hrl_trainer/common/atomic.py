"""The one atomic write: a file written so that a reader never sees half of it and a crash never loses it
(a temporary file beside it, flushed and synced, moved into place in one step, the folder synced)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to `path` atomically and durably (the temporary file is `.{name}.*.tmp` beside it).
    `exclusive`: raise FileExistsError if `path` exists (checked by the same atomic step, so two concurrent
    writers cannot both create it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(path.parent)


def write_text_atomically(path: Path, text: str, *, exclusive: bool = False) -> None:
    """`write_bytes_atomically` of `text` in UTF-8."""
    write_bytes_atomically(path, text.encode("utf-8"), exclusive=exclusive)


def fsync_dir(folder: Path) -> None:
    """Make the renames and removals inside `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
