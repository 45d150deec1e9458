"""Configuration defaults in one place, overridable from the environment and the factory."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from hrl_api.core.async_mode import selected_async_mode
from hrl_trainer.store.simulation_store import DEFAULT_KEPT

DEFAULTS: dict[str, Any] = {
    # None -> hrl_trainer.resolve_*_dir decides ($HRL_MODELS_DIR / $HRL_SCENARIOS_DIR / repo folders).
    "MODELS_DIR": None,
    "SCENARIOS_DIR": None,
    # "module:function" run in the training child; same signature as hrl_trainer.train.
    "TRAINER_ENTRY": "hrl_trainer:train",
    # Seconds stop waits for the child to finish its episode and save before terminating it.
    "STOP_TIMEOUT": 60.0,
    # Minimum seconds between two training_progress events; 0 sends every episode.
    "PROGRESS_MIN_INTERVAL": 0.0,
    # Seconds between two looks at the child's pipe and liveness.
    "RELAY_POLL_INTERVAL": 0.01,
    # Larger request bodies get 413.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # When set, start, stop and Socket.IO connections need it (see hrl_api.core.access).
    "API_TOKEN": None,
    # Browser origins allowed besides the page's own; None: same origin only.
    "CORS_ORIGINS": None,
    # Simulations computed at the same time, each in a worker process (docs/simulations.md): one per core.
    "SIMULATIONS_AT_ONCE": os.cpu_count() or 1,
    # Simulations that may wait for a worker; more get 503 with Retry-After.
    "SIMULATIONS_QUEUED": 4,
    # Saved simulations kept (models/simulations/); the oldest beyond it are removed.
    "SIMULATIONS_KEPT": DEFAULT_KEPT,
    # Cluster mode (docs/cluster.md): Redis URL of the Celery broker; None trains in a local child.
    "BROKER_URL": None,
    # Redis URL of Flask-SocketIO's message queue in cluster mode; None: the broker's.
    "MESSAGE_QUEUE": None,
    # Seconds without a heartbeat after which a cluster run's worker counts as lost and the run fails.
    "HEARTBEAT_TIMEOUT": 10.0,
}

MESSAGE_QUEUE_CHANNEL = "hrl-finance"
"""Redis pub/sub channel of the Socket.IO message queue, shared by web processes and workers."""


def origins_list(value: str) -> list[str]:
    """``"http://a, http://b"`` -> ``["http://a", "http://b"]``."""
    return [origin.strip() for origin in value.split(",") if origin.strip()]


# Environment variable -> (config key, conversion).
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "HRL_TRAINER_ENTRY": ("TRAINER_ENTRY", str),
    "HRL_STOP_TIMEOUT": ("STOP_TIMEOUT", float),
    "HRL_PROGRESS_MIN_INTERVAL": ("PROGRESS_MIN_INTERVAL", float),
    "HRL_API_TOKEN": ("API_TOKEN", str),
    "HRL_CORS_ORIGINS": ("CORS_ORIGINS", origins_list),
    "HRL_SIMULATIONS_AT_ONCE": ("SIMULATIONS_AT_ONCE", int),
    "HRL_SIMULATIONS_QUEUED": ("SIMULATIONS_QUEUED", int),
    "HRL_SIMULATIONS_KEPT": ("SIMULATIONS_KEPT", int),
    "HRL_BROKER_URL": ("BROKER_URL", str),
    "HRL_MESSAGE_QUEUE": ("MESSAGE_QUEUE", str),
    "HRL_HEARTBEAT_TIMEOUT": ("HEARTBEAT_TIMEOUT", float),
}


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return defaults, then environment values, then ``overrides`` (highest precedence)."""
    config = dict(DEFAULTS, ASYNC_MODE=selected_async_mode())
    for variable, (key, cast) in ENVIRONMENT.items():
        if os.environ.get(variable):
            config[key] = cast(os.environ[variable])
    config.update(overrides or {})
    return config
