"""Ctrl-C and SIGTERM for the command line: the first one stops a run the way the API's stop does
(finish the batch, save everything), a second one aborts at once."""

from __future__ import annotations

import signal
from types import FrameType, TracebackType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Aborted(Exception):
    """A second stop signal: the run ends now, without saving."""

    def __init__(self, signum: int):
        super().__init__(f"aborted by a second {signal.Signals(signum).name}")
        self.signum = signum


class StopOnSignals:
    """While active, SIGINT and SIGTERM (unless ignored) request a graceful stop (`should_stop()`); a second
    one raises Aborted. `received` is the first signal's number, None if none came."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignals:
        for signum in HANDLED:  # a signal the parent told us to ignore (`cmd &` in a script) stays ignored
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            raise Aborted(signum)
        self.received = signum

    def should_stop(self) -> bool:
        return self.received is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.received).name if self.received is not None else ""


def exit_status(signum: int) -> int:
    """The shell's status for a process ended by `signum`: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum
