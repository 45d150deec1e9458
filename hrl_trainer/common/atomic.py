"""One file written so that a reader never sees half of it: a temporary file beside it, flushed, then
moved into place in one step."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to `path` atomically. `exclusive`: raise FileExistsError if `path` exists (checked
    by the same atomic step, so two concurrent writers cannot both create it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp", delete=False)
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


def write_text_atomically(path: Path, text: str, *, exclusive: bool = False) -> None:
    """`write_bytes_atomically` of `text` in UTF-8."""
    write_bytes_atomically(path, text.encode("utf-8"), exclusive=exclusive)
