"""Every `HRL_*` environment variable: its type, default and meaning, and the one reader of them.

Nothing else in `hrl_trainer`, `hrl_api` or `app.py` reads an `HRL_*` variable (a test greps for it);
the web service's settings (`hrl_api.core.config.build_config`) and the server's command line start from
the values read here. `docs/server.md` lists `VARIABLES` (a test compares both). A variable that is unset
or blank has its default; a value that is not of the variable's type raises `EnvironmentSettingError`
naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class EnvironmentSettingError(ValueError):
    """An `HRL_*` variable whose value is not of its type."""


def comma_list(value: str) -> list[str]:
    """``"http://a, http://b"`` -> ``["http://a", "http://b"]``."""
    return [item.strip() for item in value.split(",") if item.strip()]


TYPE_NAMES: dict[Callable[[str], Any], str] = {
    str: "text",
    int: "integer",
    float: "number",
    Path: "folder",
    comma_list: "comma-separated list",
}
"""How the documentation names each type."""


@dataclass(frozen=True)
class Variable(Generic[T]):
    """One environment variable; `default` is None when unset means "absent" (`unset` says what then)."""

    name: str
    parse: Callable[[str], T]
    default: T
    meaning: str
    unset: str | None = None
    """What an unset variable means, when the default is None or computed (shown in place of the default)."""

    def value(self, environ: Mapping[str, str] | None = None) -> T:
        """The variable's value in `environ` (default: the process's environment), or its default."""
        raw = self.raw(environ)
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except ValueError:
            raise EnvironmentSettingError(f"{self.name} is not a valid {self.type_name}: {raw!r}") from None

    def raw(self, environ: Mapping[str, str] | None = None) -> str:
        """The variable's text in `environ` (default: the process's environment), stripped; "" when unset."""
        return (os.environ if environ is None else environ).get(self.name, "").strip()

    def is_set(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether the variable has a (non-blank) value."""
        return bool(self.raw(environ))

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.parse]

    @property
    def shown_default(self) -> str:
        """The default as the documentation shows it."""
        if self.unset is not None:
            return self.unset
        return f"`{self.default:g}`" if isinstance(self.default, float) else f"`{self.default}`"


HOST = Variable("HRL_HOST", str, "127.0.0.1", "interface the server listens on (`--host`)")
PORT = Variable("HRL_PORT", int, 8000, "port the server listens on (`--port`; also `make cluster`'s web process)")
MODELS_DIR = Variable(
    "HRL_MODELS_DIR",
    Path,
    None,
    "the models folder: runs, published models, simulations "
    "(`--models-dir`; in cluster mode the folder every part shares)",
    unset="`models/` beside `app.py`",
)
SCENARIOS_DIR = Variable(
    "HRL_SCENARIOS_DIR",
    Path,
    None,
    "the scenarios (households) folder (`--scenarios-dir`)",
    unset="`scenarios/` beside `app.py`",
)
ASYNC_MODE = Variable("HRL_ASYNC_MODE", str, "eventlet", "Socket.IO's async mode: `eventlet` or `threading`")
API_TOKEN = Variable(
    "HRL_API_TOKEN",
    str,
    None,
    "when set, every request that changes something and every "
    "Socket.IO connection needs `Authorization: Bearer <token>` (docs/reliability.md)",
    unset="unset: no token needed",
)
CORS_ORIGINS = Variable(
    "HRL_CORS_ORIGINS",
    comma_list,
    None,
    "browser origins allowed besides the page's own",
    unset="unset: same origin only",
)
TRAINER_ENTRY = Variable(
    "HRL_TRAINER_ENTRY",
    str,
    "hrl_trainer:train",
    "`module:function` the training child (or a cluster worker) runs; same signature as `hrl_trainer.train`",
)
STOP_TIMEOUT = Variable(
    "HRL_STOP_TIMEOUT", float, 60.0, "seconds a stopped run gets to finish its episode and save before it is terminated"
)
PROGRESS_MIN_INTERVAL = Variable(
    "HRL_PROGRESS_MIN_INTERVAL",
    float,
    0.0,
    "least seconds between two `training_progress` events of a run; 0 sends every episode",
)
SIMULATIONS_AT_ONCE = Variable(
    "HRL_SIMULATIONS_AT_ONCE",
    int,
    os.cpu_count() or 1,
    "simulations computed at the same time, each in a worker process (docs/simulations.md)",
    unset="the machine's cores",
)
SIMULATIONS_QUEUED = Variable(
    "HRL_SIMULATIONS_QUEUED", int, 4, "simulations that may wait for a worker; more get 503 with `Retry-After`"
)
SIMULATIONS_KEPT = Variable(
    "HRL_SIMULATIONS_KEPT", int, 100, "saved simulations kept (`models/simulations/`); the oldest beyond it are removed"
)
BROKER_URL = Variable(
    "HRL_BROKER_URL",
    str,
    None,
    "cluster mode (docs/cluster.md): Redis URL of the Celery broker (`--broker-url`)",
    unset="unset: runs train in a child of the web process",
)
MESSAGE_QUEUE = Variable(
    "HRL_MESSAGE_QUEUE", str, None, "cluster mode: Redis URL of Socket.IO's message queue", unset="the broker's URL"
)
HEARTBEAT_TIMEOUT = Variable(
    "HRL_HEARTBEAT_TIMEOUT",
    float,
    10.0,
    "cluster mode: seconds without a heartbeat after which a run's worker counts as lost and the run fails",
)

VARIABLES: tuple[Variable[Any], ...] = (
    HOST,
    PORT,
    MODELS_DIR,
    SCENARIOS_DIR,
    ASYNC_MODE,
    API_TOKEN,
    CORS_ORIGINS,
    TRAINER_ENTRY,
    STOP_TIMEOUT,
    PROGRESS_MIN_INTERVAL,
    SIMULATIONS_AT_ONCE,
    SIMULATIONS_QUEUED,
    SIMULATIONS_KEPT,
    BROKER_URL,
    MESSAGE_QUEUE,
    HEARTBEAT_TIMEOUT,
)
"""Every variable, in the order the documentation lists them."""


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Raise `EnvironmentSettingError` naming every variable of `environ` (default: the process's) not of its type."""
    problems = []
    for variable in VARIABLES:
        try:
            variable.value(environ)
        except EnvironmentSettingError as exc:
            problems.append(str(exc))
    if problems:
        raise EnvironmentSettingError("; ".join(problems))


def markdown_table() -> str:
    """`VARIABLES` as the Markdown table of docs/server.md ("Environment variables")."""
    rows = [f"| `{v.name}` | {v.type_name} | {v.shown_default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(["| variable | type | default | meaning |", "|---|---|---|---|", *rows])
