"""The server's command line (`python app.py`): listen, serve, and on Ctrl-C or SIGTERM stop a running
training gracefully before exiting."""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
from collections.abc import Sequence
from typing import Any

from flask import Flask

from hrl_api.core.extensions import socketio
from hrl_api.core.logs import configure_logging
from hrl_api.core.serving import PortUnavailable, deliver_emitted_events, ensure_port_free, serve
from hrl_api.factory import create_app
from hrl_api.training.protocol import get_supervisor_of
from hrl_trainer.common.environment import HOST, PORT, EnvironmentSettingError, check_environment


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the HRL Finance training API and its Socket.IO events.")
    parser.add_argument(
        "--host", default=HOST.value(), help=f"interface to listen on (default: $HRL_HOST or {HOST.default})"
    )
    parser.add_argument(
        "--port", type=int, default=PORT.value(), help=f"port to listen on (default: $HRL_PORT or {PORT.default})"
    )
    parser.add_argument("--models-dir", help="where trained models go (default: $HRL_MODELS_DIR or ./models)")
    parser.add_argument("--scenarios-dir", help="scenario YAML files (default: $HRL_SCENARIOS_DIR or ./scenarios)")
    parser.add_argument(
        "--broker-url",
        default=None,
        help="cluster mode: train on Celery workers through this Redis "
        "(default: $HRL_BROKER_URL; unset: one local training child; docs/cluster.md)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="log only warnings and errors (no line per API request, run start or run end)",
    )
    return parser.parse_args(argv)


def _handle_shutdown_signals(app: Flask) -> None:
    """SIGTERM and Ctrl-C (SIGINT): stop a running training the graceful way (it saves), then end
    the process at once; a second signal ends it at once.

    Not by unwinding the server: eventlet's would first wait for every open websocket and long poll
    (a client that never closes would keep the server, and its training, running). The interpreter
    writes each signal to a pipe, which wakes the event loop however long it meant to sleep."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    signal.set_wakeup_fd(write_fd)
    received: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if received:
            os._exit(128 + signum)
        received.append(signum)

    def stop_training_and_exit() -> None:
        select.select([read_fd], [], [])  # green under eventlet, a plain thread otherwise
        print(f"{signal.Signals(os.read(read_fd, 1)[0]).name}: stopping", flush=True)
        get_supervisor_of(app).shutdown()
        deliver_emitted_events(socketio)  # the run's final event, emitted as it ended, reaches the clients
        print("Stopped", flush=True)
        os._exit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    socketio.start_background_task(stop_training_and_exit)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the API and Socket.IO; on Ctrl-C or SIGTERM, stop a running training gracefully."""
    try:
        check_environment()  # every HRL_* variable of its type, before anything starts
        args = parse_args(argv)
        ensure_port_free(args.host, args.port)
    except (EnvironmentSettingError, PortUnavailable) as exc:
        sys.exit(f"Error: {exc}")
    configure_logging(quiet=args.quiet)
    overrides = {"MODELS_DIR": args.models_dir, "SCENARIOS_DIR": args.scenarios_dir}
    app = create_app({**overrides, **({"BROKER_URL": args.broker_url} if args.broker_url else {})})
    _handle_shutdown_signals(app)
    mode = f"cluster mode on {app.config['BROKER_URL']}" if app.config["BROKER_URL"] else "embedded mode"
    print(
        f"HRL Finance API on http://{args.host}:{args.port} ({socketio.async_mode}, {mode}, "
        f"models in {app.config['MODELS_DIR']}); Ctrl-C stops",
        flush=True,
    )
    try:
        serve(socketio, app, args.host, args.port)
    finally:
        get_supervisor_of(app).shutdown()
