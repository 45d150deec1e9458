"""The application factory: defaults, then the environment, then the caller's settings; the error
handlers, access, the request log, the blueprints and Socket.IO events, and the supervisor of the mode
(embedded: a training child; cluster: Celery workers, imported only in that mode)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from hrl_api.core.access import register_cors
from hrl_api.core.config import MESSAGE_QUEUE_CHANNEL, build_config
from hrl_api.core.errors import register_error_handlers
from hrl_api.core.extensions import socketio
from hrl_api.core.logs import register_request_log
from hrl_api.training.embedded import TrainingSupervisor
from hrl_api.training.protocol import SUPERVISOR_KEY, Supervisor
from hrl_api.web import API_BLUEPRINTS
from hrl_api.web.events import register_socket_events
from hrl_trainer import resolve_models_dir, resolve_scenarios_dir
from hrl_trainer.common.paths import PROJECT_ROOT
from hrl_trainer.store.adoption import adopt_models_folder

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``config`` (e.g. ``{"MODELS_DIR": tmp}``)."""
    app = Flask("app", root_path=str(PROJECT_ROOT))  # templates/ and static/ beside app.py
    app.config.update(build_config(config))
    app.config["MODELS_DIR"] = resolve_models_dir(app.config["MODELS_DIR"])
    app.config["SCENARIOS_DIR"] = resolve_scenarios_dir(app.config["SCENARIOS_DIR"])
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's DefaultJSONProvider has it
    adopt_models_folder(app.config["MODELS_DIR"])  # a models folder from before runs becomes runs, nothing lost

    register_error_handlers(app)
    register_cors(app)
    register_request_log(app)
    for blueprint in API_BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_socket_events(socketio)
    broker_url = app.config["BROKER_URL"]
    queue = (
        {"message_queue": app.config["MESSAGE_QUEUE"] or broker_url, "channel": MESSAGE_QUEUE_CHANNEL}
        if broker_url
        else {}
    )
    # None keeps python-engineio's same-origin check; never "*" by default.
    socketio.init_app(
        app, async_mode=app.config["ASYNC_MODE"], cors_allowed_origins=app.config["CORS_ORIGINS"], **queue
    )
    app.extensions[SUPERVISOR_KEY] = make_supervisor(app)
    return app


def make_supervisor(app: Flask) -> Supervisor:
    """The mode's supervisor: cluster mode's when a broker is configured (Celery and Redis), else embedded
    mode's (one training child of this process at a time)."""
    config = app.config
    shared: dict[str, Any] = {"models_dir": str(config["MODELS_DIR"]), "stop_timeout": float(config["STOP_TIMEOUT"])}
    if config["BROKER_URL"]:
        from hrl_api.cluster.supervisor import ClusterSupervisor  # Celery and Redis, only in cluster mode

        return ClusterSupervisor(
            socketio,
            broker_url=config["BROKER_URL"],
            heartbeat_timeout=float(config["HEARTBEAT_TIMEOUT"]),
            **shared,
        )
    return TrainingSupervisor(
        socketio,
        trainer_entry=config["TRAINER_ENTRY"],
        scenarios_dir=str(config["SCENARIOS_DIR"]),
        progress_min_interval=float(config["PROGRESS_MIN_INTERVAL"]),
        poll_interval=float(config["RELAY_POLL_INTERVAL"]),
        **shared,
    )
