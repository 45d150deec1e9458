"""The server's processes as psutil sees them."""
from __future__ import annotations

import psutil

from api_server import Server, wait_until


def training_child(server: Server, timeout: float = 30.0) -> psutil.Process:
    """The server's spawned training child (not multiprocessing's resource tracker)."""
    def find() -> psutil.Process | None:
        children = psutil.Process(server.process.pid).children()
        return next((p for p in children if "spawn_main" in " ".join(p.cmdline())), None)
    return wait_until(find, timeout, "the training child process")


def gone(process: psutil.Process) -> bool:
    """True once ``process`` has exited (a zombie not yet reaped counts as exited)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
