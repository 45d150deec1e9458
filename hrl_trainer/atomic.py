"""One file written so that a reader never sees half of it: a temporary file beside it, flushed, then
moved into place in one step."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomically(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write `text` to `path` atomically. `exclusive`: raise FileExistsError if `path` exists (checked
    by the same atomic step, so two concurrent writers cannot both create it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.stem}.",
                                         suffix=".tmp", delete=False)
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
