"""The one place that chooses the Socket.IO async mode and touches eventlet directly."""

from __future__ import annotations

import warnings

from hrl_trainer.common.environment import ASYNC_MODE

SUPPORTED_ASYNC_MODES = ("eventlet", "threading")


def selected_async_mode() -> str:
    """Return the async mode from ``$HRL_ASYNC_MODE``, defaulting to eventlet."""
    mode = ASYNC_MODE.value()
    if mode not in SUPPORTED_ASYNC_MODES:
        raise ValueError(f"HRL_ASYNC_MODE must be one of {SUPPORTED_ASYNC_MODES}, got {mode!r}")
    return mode


def prepare_async_mode() -> str:
    """Monkey-patch the standard library when eventlet is the mode; return the mode.

    Must run before anything else uses sockets or threads, so the entry script calls it first.
    """
    mode = selected_async_mode()
    if mode == "eventlet":
        # eventlet is in bug-fix-only mode upstream and warns about it on import.
        # We know, chose it deliberately (it serves websockets with no extra
        # server) and keep it swappable via HRL_ASYNC_MODE=threading, so the
        # warning is noise for every user of `make run`.
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
        import eventlet

        eventlet.monkey_patch()
    return mode
