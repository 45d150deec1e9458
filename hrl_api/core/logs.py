"""The server's log: one line per API request and per run event, at INFO (``--quiet`` keeps warnings only).

Whatever a record carries (a client's path, a scenario name, an exception's message) is escaped where it is not
printable, by the one formatter of the server's handler: a request can never write a second, forged line, a
terminal escape code or a NUL byte into the log."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from flask import Flask, Response, g, request

REQUEST_LOGGER = "hrl_api.requests"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
LOGGED_TARGET_CHARACTERS = 2000
"""A request's path and query longer than this are cut in its log line (the end replaced by their length)."""
CONTINUATION = "    "


def printable(text: str) -> str:
    """``text`` with each character that is not printable (line breaks, escape codes, NUL, bidi controls) written
    as Python writes it in a string literal: ``\\n``, ``\\x1b``, ``\\x00``, ``\\u202e``."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class OneLineFormatter(logging.Formatter):
    """One line per record, whatever its message holds; a traceback follows on lines of its own, indented, so
    that every line at the margin starts a record."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return self._continuation(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return self._continuation(super().formatStack(stack_info))

    @staticmethod
    def _continuation(text: str) -> str:
        return "\n".join(CONTINUATION + printable(line) for line in text.split("\n"))


def configure_logging(quiet: bool = False) -> None:
    """Log to stderr at INFO (WARNING when ``quiet``), one line per record; Werkzeug's own request lines are left
    out."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[handler])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def shortened(text: str, limit: int = LOGGED_TARGET_CHARACTERS) -> str:
    """``text``, or its first ``limit`` characters and how many there were."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def register_request_log(app: Flask, prefix: str = "/api/") -> None:
    """Log each request under ``prefix``: client, method, path, status and milliseconds."""
    log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        if request.path.startswith(prefix) and log.isEnabledFor(logging.INFO):
            started = g.get("request_started", time.perf_counter())
            target = shortened(request.full_path.rstrip("?"))
            log.info(
                '%s "%s %s" %d %.1f ms',
                request.remote_addr,
                request.method,
                target,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
        return response
