"""A published model written the way models were before runs existed (the three model files, no run):
the server adopts it as a run when it starts; readers in the same process load it as it is."""
from __future__ import annotations

import shutil
from pathlib import Path

import torch

from hrl_trainer.agents import GOAL_DIM, Executor, Strategist
from hrl_trainer.checkpoints import agent_bytes, json_bytes, model_files
from hrl_trainer.simulation import OBS_DIM
from live_server import REPO, LiveServer


def save_trained_models(name: str, strategist: Strategist, executor: Executor, history: dict,
                        models_dir: str | Path) -> None:
    """`{name}_high_agent.pt`, `{name}_low_agent.pt` and `{name}_history.json` in `models_dir`."""
    files = model_files(name, models_dir)
    files.folder.mkdir(parents=True, exist_ok=True)
    for file, data in zip(files.names, (agent_bytes(strategist), agent_bytes(executor), json_bytes(history))):
        (files.folder / file).write_bytes(data)


def server_with_untrained_model(folder: Path, name: str, seed: int) -> LiveServer:
    """A server on `folder` with its own copy of the scenarios (`scenarios_dir`) and an untrained
    published model of `name` (torch seeded with `seed`, 5 episodes "trained")."""
    shutil.copytree(REPO / "scenarios", folder / "scenarios")
    torch.manual_seed(seed)
    save_trained_models(name, Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM),
                        {"scenario_name": name, "episodes_completed": 5, "seed": 1}, folder / "models")
    live = LiveServer(folder / "models", folder / "server.log", env={"HRL_SCENARIOS_DIR": str(folder / "scenarios")})
    live.scenarios_dir = folder / "scenarios"
    return live
