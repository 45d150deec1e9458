"""A published model written the way models were before runs existed (the three model files, no run):
the server adopts it as a run when it starts; readers in the same process load it as it is."""
from __future__ import annotations

from pathlib import Path

from hrl_trainer.agents import Executor, Strategist
from hrl_trainer.checkpoints import agent_bytes, json_bytes, model_files


def save_trained_models(name: str, strategist: Strategist, executor: Executor, history: dict,
                        models_dir: str | Path) -> None:
    """`{name}_high_agent.pt`, `{name}_low_agent.pt` and `{name}_history.json` in `models_dir`."""
    files = model_files(name, models_dir)
    files.folder.mkdir(parents=True, exist_ok=True)
    for file, data in zip(files.names, (agent_bytes(strategist), agent_bytes(executor), json_bytes(history))):
        (files.folder / file).write_bytes(data)
