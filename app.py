"""HRL Finance service: the application factory and the command-line entry point."""
if __name__ == "__main__":
    # First of all: monkey-patch the standard library when eventlet is the async
    # mode. Spawned trainer children import this file as "__mp_main__" and skip it.
    from hrl_api.async_mode import prepare_async_mode

    prepare_async_mode()

import argparse
import os
import signal
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask

from hrl_api.blueprints import API_BLUEPRINTS
from hrl_api.config import build_config
from hrl_api.errors import register_error_handlers
from hrl_api.events import register_socket_events
from hrl_api.extensions import SUPERVISOR_KEY, socketio
from hrl_api.supervisor import TrainingSupervisor
from hrl_trainer import resolve_models_dir, resolve_scenarios_dir


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``config`` (e.g. ``{"MODELS_DIR": tmp}``)."""
    app = Flask(__name__)
    app.config.update(build_config(config))
    app.config["MODELS_DIR"] = resolve_models_dir(app.config["MODELS_DIR"])
    app.config["SCENARIOS_DIR"] = resolve_scenarios_dir(app.config["SCENARIOS_DIR"])
    app.json.sort_keys = False

    register_error_handlers(app)
    for blueprint in API_BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_socket_events(socketio)
    socketio.init_app(app, async_mode=app.config["ASYNC_MODE"])
    app.extensions[SUPERVISOR_KEY] = TrainingSupervisor(
        socketio,
        trainer_entry=app.config["TRAINER_ENTRY"],
        models_dir=str(app.config["MODELS_DIR"]),
        scenarios_dir=str(app.config["SCENARIOS_DIR"]),
        stop_timeout=float(app.config["STOP_TIMEOUT"]),
        progress_min_interval=float(app.config["PROGRESS_MIN_INTERVAL"]),
        poll_interval=float(app.config["RELAY_POLL_INTERVAL"]),
    )
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the HRL Finance training API and its Socket.IO events.")
    parser.add_argument("--host", default=os.environ.get("HRL_HOST", "127.0.0.1"),
                        help="interface to listen on (default: $HRL_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("HRL_PORT", "8000")),
                        help="port to listen on (default: $HRL_PORT or 8000)")
    parser.add_argument("--models-dir", help="where trained models go (default: $HRL_MODELS_DIR or ./models)")
    parser.add_argument("--scenarios-dir", help="scenario YAML files (default: $HRL_SCENARIOS_DIR or ./scenarios)")
    return parser.parse_args(argv)


def _interrupt(signum: int, _frame: Any) -> None:
    """SIGTERM ends the server like Ctrl-C does."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the API and Socket.IO; on Ctrl-C or SIGTERM, stop a running training gracefully."""
    args = parse_args(argv)
    app = create_app({"MODELS_DIR": args.models_dir, "SCENARIOS_DIR": args.scenarios_dir})
    signal.signal(signal.SIGTERM, _interrupt)
    options = {"allow_unsafe_werkzeug": True} if socketio.async_mode == "threading" else {}
    print(f"HRL Finance API on http://{args.host}:{args.port} ({socketio.async_mode} mode, "
          f"models in {app.config['MODELS_DIR']}); Ctrl-C stops", flush=True)
    try:
        socketio.run(app, host=args.host, port=args.port, **options)
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions[SUPERVISOR_KEY].shutdown()


if __name__ == "__main__":
    main()
