"""The web service's settings: defaults, then the environment (read by `hrl_trainer.common.environment`, the
one home of every `HRL_*` variable), then the factory's overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hrl_api.core.async_mode import selected_async_mode
from hrl_trainer.common import environment as env
from hrl_trainer.common.environment import Variable

FROM_ENVIRONMENT: dict[str, Variable[Any]] = {
    "TRAINER_ENTRY": env.TRAINER_ENTRY,
    "STOP_TIMEOUT": env.STOP_TIMEOUT,
    "PROGRESS_MIN_INTERVAL": env.PROGRESS_MIN_INTERVAL,
    "API_TOKEN": env.API_TOKEN,
    "CORS_ORIGINS": env.CORS_ORIGINS,
    "SIMULATIONS_AT_ONCE": env.SIMULATIONS_AT_ONCE,
    "SIMULATIONS_QUEUED": env.SIMULATIONS_QUEUED,
    "SIMULATIONS_KEPT": env.SIMULATIONS_KEPT,
    "BROKER_URL": env.BROKER_URL,
    "MESSAGE_QUEUE": env.MESSAGE_QUEUE,
    "HEARTBEAT_TIMEOUT": env.HEARTBEAT_TIMEOUT,
}
"""Config key -> its environment variable, whose type, default and meaning `hrl_trainer.common.environment` holds."""

DEFAULTS: dict[str, Any] = {
    # None -> hrl_trainer.resolve_*_dir decides ($HRL_MODELS_DIR / $HRL_SCENARIOS_DIR / repo folders).
    "MODELS_DIR": None,
    "SCENARIOS_DIR": None,
    # Seconds between two looks at the child's pipe and liveness.
    "RELAY_POLL_INTERVAL": 0.01,
    # Larger request bodies get 413.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    **{key: variable.default for key, variable in FROM_ENVIRONMENT.items()},
}

MESSAGE_QUEUE_CHANNEL = "hrl-finance"
"""Redis pub/sub channel of the Socket.IO message queue, shared by web processes and workers."""


def build_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return defaults, then environment values, then ``overrides`` (highest precedence)."""
    config = dict(DEFAULTS, ASYNC_MODE=selected_async_mode())
    config.update({key: variable.value() for key, variable in FROM_ENVIRONMENT.items()})
    config.update(overrides or {})
    return config
