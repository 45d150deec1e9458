"""A server for the browser tests with its own copy of the scenarios and an untrained published model
(kept as a completed run by `hrl_trainer.store.run_writer.record_agents`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from tests.live_server import REPO, LiveServer
from tests.tunings import TuningStore


def server_with_untrained_model(folder: Path, name: str, seed: int, tunings: TuningStore) -> LiveServer:
    """A server on `folder` with its own copy of the scenarios (`scenarios_dir`) and an untrained
    published model of `name` (torch seeded with `seed`, 5 episodes "trained"), with the tunings of
    `name`'s household (its simulations do not tune)."""
    shutil.copytree(REPO / "scenarios", folder / "scenarios")
    torch.manual_seed(seed)
    record_agents(
        name,
        Strategist(OBS_DIM),
        Executor(OBS_DIM + GOAL_DIM),
        {"scenario_name": name, "episodes_completed": 5, "seed": 1},
        folder / "models",
    )
    tunings.seed(folder / "models", name)
    live = LiveServer(folder / "models", folder / "server.log", env={"HRL_SCENARIOS_DIR": str(folder / "scenarios")})
    live.scenarios_dir = folder / "scenarios"
    return live
