"""The flat PPO baseline of a trained model, trained once and kept on disk:

    models/baselines/flat_ppo/{run_id}-{digest}.pt   the flat Executor (`checkpoints.agent_bytes`)

The flat Executor is trained on the model's own budget (episodes completed), settings and seed
(`flat.flat_config`), so it is a function of the model's run: the file is named by the run id (the
published model's run for a scenario's published model) and a digest of those settings, so a changed
model never reads another's file. Never inside a run folder (that belongs to the scenario's lock
holder). Written atomically; a damaged file is trained again and rewritten; two callers that find it
missing together train it once (`once.computed_once`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hrl_trainer.common.atomic import write_bytes_atomically
from hrl_trainer.common.once import computed_once
from hrl_trainer.common.paths import BASELINES_FOLDER, resolve_models_dir, validate_name
from hrl_trainer.env.scenarios import ScenarioError, ScenarioNotFound
from hrl_trainer.store.checkpoints import agent_bytes, agent_from_bytes, load_history
from hrl_trainer.store.runs import RunNotFound, published_run_id, read_run_history

FOLDER = "flat_ppo"
FOLDER_SETTINGS = ("models_dir", "scenarios_dir", "run_id", "resume_from", "publish")
"""Settings that say where a run lived (or whether it publishes itself), not how it learned: left out of the digest."""


class FlatUnavailable(LookupError):
    """No flat PPO can be trained for the model (its history or its training household is gone)."""


@dataclass(frozen=True)
class FlatBaseline:
    """A trained flat Executor and how it was trained (`{"scenario_name", "episodes", "seed"}`)."""

    executor: Any
    trained: dict[str, Any]

    def policy(self):
        """The flat Executor acting deterministically, as `evaluate` scores it."""
        from hrl_trainer.agents.policy import FlatPolicy  # torch, only when the flat PPO acts

        return FlatPolicy(self.executor, deterministic=True)


def model_history(scenario_name: str, run_id: str | None, models_dir: str | Path | None) -> tuple[str, dict]:
    """(the run id naming the flat file, the model's training history): the run's, or the published model's.
    FlatUnavailable when there is no history."""
    try:
        if run_id is not None:
            return run_id, read_run_history(run_id, models_dir)
        history = load_history(scenario_name, models_dir)
    except (RunNotFound, OSError, ValueError) as exc:
        raise FlatUnavailable(f"The model's training history is unreadable: {exc}") from None
    return published_run_id(scenario_name, models_dir) or f"{scenario_name}-published", history


def flat_path(key: str, settings: dict[str, Any], models_dir: str | Path | None = None) -> Path:
    """`models/baselines/flat_ppo/{key}-{digest}.pt` for a run (`key`) and the flat PPO's settings."""
    kept = {k: v for k, v in sorted(settings.items()) if k not in FOLDER_SETTINGS}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]
    return resolve_models_dir(models_dir) / BASELINES_FOLDER / FOLDER / f"{validate_name(key)}-{digest}.pt"


def read_executor(path: Path):
    """The flat Executor saved at `path`, or None (absent, damaged, or not an Executor of this version)."""
    from hrl_trainer.agents.networks import Executor  # torch, only when a flat Executor is read

    try:
        agent = agent_from_bytes(path.read_bytes())
    except Exception:
        return None
    return agent if isinstance(agent, Executor) else None


def flat_baseline(
    scenario_name: str,
    run_id: str | None,
    models_dir: str | Path | None = None,
    scenarios_dir: str | Path | None = None,
) -> FlatBaseline:
    """The flat PPO of the model a simulation names (run `run_id`'s, else `scenario_name`'s published one):
    read from its file, or trained (on the model's own budget, settings and seed) and saved for the next time.
    FlatUnavailable when the model's history or its training household is gone."""
    from hrl_trainer.learn.flat import flat_config, train_flat  # torch, only when a flat PPO is read or trained

    key, history = model_history(scenario_name, run_id, models_dir)
    try:
        config = flat_config(
            history,
            models_dir=str(resolve_models_dir(models_dir)),
            scenarios_dir=None if scenarios_dir is None else str(scenarios_dir),
            run_id=None,
            resume_from=None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FlatUnavailable(f"The model's training history does not say how it was trained: {exc}") from None
    path = flat_path(key, config.to_dict(), models_dir)
    trained = {"scenario_name": config.scenario_name, "episodes": config.num_episodes, "seed": config.seed}

    def train():
        try:
            return train_flat(config)
        except (ScenarioNotFound, ScenarioError) as exc:
            raise FlatUnavailable(f"The household the model was trained on is unavailable: {exc}") from None

    executor = computed_once(
        path,
        models_dir,
        lambda: read_executor(path),
        train,
        lambda trained_executor: write_bytes_atomically(path, agent_bytes(trained_executor)),
    )
    return FlatBaseline(executor, trained)
