"""The server's log: one line per API request and per run event, at INFO (``--quiet`` keeps warnings only)."""
from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, request

REQUEST_LOGGER = "hrl_api.requests"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def configure_logging(quiet: bool = False) -> None:
    """Log to stderr at INFO (WARNING when ``quiet``); Werkzeug's own request lines are left out."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


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
            log.info('%s "%s %s" %d %.1f ms', request.remote_addr, request.method, request.full_path.rstrip("?"),
                     response.status_code, (time.perf_counter() - started) * 1000)
        return response
