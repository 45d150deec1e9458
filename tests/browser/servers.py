"""A server for the browser tests with its own copy of the scenarios and an untrained published model
(kept as a completed run by `hrl_trainer.store.run_writer.record_agents`)."""

from __future__ import annotations

import pytest
import torch

from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from tests.live_server import LiveServer, LiveServers
from tests.tunings import TuningStore


def server_with_untrained_model(
    live_servers: LiveServers, tmp_path_factory: pytest.TempPathFactory, tunings: TuningStore, name: str, seed: int
) -> LiveServer:
    """A server with its own copy of the scenarios (`scenarios_dir`) and an untrained published model of `name`
    (torch seeded with `seed`, 5 episodes "trained"), with the tunings of `name`'s household (its simulations do
    not tune); a context manager, as every `live_servers.start`."""
    models = tmp_path_factory.mktemp(name) / "models"
    torch.manual_seed(seed)
    record_agents(
        name,
        Strategist(OBS_DIM),
        Executor(OBS_DIM + GOAL_DIM),
        {"scenario_name": name, "episodes_completed": 5, "seed": 1},
        models,
    )
    tunings.seed(models, name)
    return live_servers.start(models, scenarios=True)
