"""Which trained agents a request means: a run's, or the scenario's published model (remembered while
its files stay the same). Torch and NumPy are imported only when agents are actually loaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from hrl_trainer.store.checkpoints import load_trained_models, model_paths
from hrl_trainer.store.runs import RunNotFound, load_run_agents, published_run_id, validate_run_id

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist


class ModelNotFound(LookupError):
    """No trained model for the request; `field` names the request field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def __reduce__(self):  # sent from a simulation worker process to the web process
        return type(self), (self.field, str(self))


def resolve_agents(
    scenario_name: str, run_id: str | None, models_dir: str | Path | None
) -> tuple[Strategist, Executor]:
    """The agents to simulate: run `run_id`'s when given, else the scenario's published model.

    ModelNotFound (field `run_id` or `scenario_name`) when there is none."""
    if run_id is not None:
        try:
            validate_run_id(run_id)
        except ValueError:
            raise ModelNotFound("run_id", f"'{run_id}' is not a run id") from None
        try:
            return load_run_agents(run_id, models_dir)
        except RunNotFound as exc:
            raise ModelNotFound("run_id", str(exc)) from None
    try:
        return published_agents(scenario_name, models_dir)
    except FileNotFoundError:
        raise ModelNotFound("scenario_name", f"No trained model for '{scenario_name}': train it first") from None


def model_reference(scenario_name: str, run_id: str | None, models_dir: str | Path | None) -> dict[str, str | None]:
    """Which model answered: `{"source": "run" | "published", "run_id"}` (the published model's run, if known)."""
    if run_id is not None:
        return {"source": "run", "run_id": run_id}
    return {"source": "published", "run_id": published_run_id(scenario_name, models_dir)}


AGENT_CACHE_SIZE = 16
_published: dict[tuple, tuple[Strategist, Executor]] = {}


def published_agents(scenario_name: str, models_dir: str | Path | None) -> tuple[Strategist, Executor]:
    """`checkpoints.load_trained_models`, remembered while the model files stay the same ones (same
    inode and modification time), so advice does not read them again on every request."""
    paths = model_paths(scenario_name, models_dir)
    try:
        stats = [os.stat(paths[kind]) for kind in ("high_agent", "low_agent")]
    except FileNotFoundError:
        return load_trained_models(scenario_name, models_dir)  # absent, or a swap is being applied
    key = (str(paths["high_agent"]), *((st.st_ino, st.st_mtime_ns) for st in stats))
    agents = _published.get(key)
    if agents is None:
        agents = load_trained_models(scenario_name, models_dir)
        while len(_published) >= AGENT_CACHE_SIZE:  # forget the oldest (simulations run in other threads)
            try:
                _published.pop(next(iter(_published)), None)
            except (StopIteration, RuntimeError):
                break
        _published[key] = agents
    return agents
