"""Model and history files: the layout of the models folder, written atomically.

Every file is written to a temporary file in the same folder, flushed to disk
and renamed into place, so an interrupted run leaves either the previous file
or the new one, never half of one. Models are loaded with
`torch.load(..., weights_only=True)`.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import torch

from .agents import ActorCritic, Executor, Strategist
from .paths import resolve_models_dir, validate_name

AGENT_CLASSES: dict[str, type[ActorCritic]] = {"strategist": Strategist, "executor": Executor}
CHECKPOINT_FILES = {"strategist": "high_agent.pt", "executor": "low_agent.pt"}
METADATA_FILE = "metadata.json"


def atomic_write(path: Path, write: Callable[[object], None]) -> None:
    """Call `write(binary_file)` on a temporary file, then rename it to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically; NaN or infinity raise ValueError before anything is written."""
    text = json.dumps(data, indent=2, allow_nan=False).encode()
    atomic_write(path, lambda f: f.write(text))


def save_agent(path: Path, agent: ActorCritic) -> None:
    """Save an agent's kind, architecture and state dict."""
    kind = next(k for k, cls in AGENT_CLASSES.items() if isinstance(agent, cls))
    payload = {"kind": kind, "architecture": agent.architecture(), "state_dict": agent.state_dict()}
    atomic_write(path, lambda f: torch.save(payload, f))


def load_agent(path: Path) -> ActorCritic:
    """Rebuild an agent saved by `save_agent` (tensors and plain types only)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    agent = AGENT_CLASSES[payload["kind"]](**payload["architecture"])
    agent.load_state_dict(payload["state_dict"])
    return agent.eval()


def model_paths(name: str, models_dir: str | Path | None = None) -> dict[str, Path]:
    """The trained-model files of scenario `name`."""
    folder = resolve_models_dir(models_dir)
    validate_name(name)
    return {
        "high_agent": folder / f"{name}_high_agent.pt",
        "low_agent": folder / f"{name}_low_agent.pt",
        "history": folder / f"{name}_history.json",
    }


def checkpoint_dir(name: str, label: str, models_dir: str | Path | None = None) -> Path:
    """`models/checkpoints/{name}/checkpoint_{label}/` (label: `episode_N`, `best` or `final`)."""
    return resolve_models_dir(models_dir) / "checkpoints" / validate_name(name) / f"checkpoint_{label}"


def save_checkpoint(folder: Path, strategist: Strategist, executor: Executor, metadata: dict) -> None:
    """Write both agents and a metadata JSON into `folder`."""
    for kind, agent in (("strategist", strategist), ("executor", executor)):
        save_agent(folder / CHECKPOINT_FILES[kind], agent)
    write_json(folder / METADATA_FILE, metadata)


def load_checkpoint(folder: Path) -> tuple[Strategist, Executor]:
    """Load the two agents of a checkpoint folder."""
    return load_agent(folder / CHECKPOINT_FILES["strategist"]), load_agent(folder / CHECKPOINT_FILES["executor"])


def save_trained_models(name: str, strategist: Strategist, executor: Executor,
                        models_dir: str | Path | None = None) -> None:
    """Write `{name}_high_agent.pt` and `{name}_low_agent.pt`."""
    paths = model_paths(name, models_dir)
    save_agent(paths["high_agent"], strategist)
    save_agent(paths["low_agent"], executor)


def load_trained_models(name: str, models_dir: str | Path | None = None) -> tuple[Strategist, Executor]:
    """Load the trained agents of scenario `name`; FileNotFoundError if it was never trained."""
    paths = model_paths(name, models_dir)
    return load_agent(paths["high_agent"]), load_agent(paths["low_agent"])


def load_history(name: str, models_dir: str | Path | None = None) -> dict:
    """The training history of scenario `name`; ValueError for a bad name, FileNotFoundError if absent."""
    return json.loads(model_paths(name, models_dir)["history"].read_text(encoding="utf-8"))


def list_trained_models(models_dir: str | Path | None = None) -> list[dict]:
    """Every scenario with a readable history in the models folder, with its files and final metrics."""
    folder = resolve_models_dir(models_dir)
    models = []
    for history_file in sorted(folder.glob("*_history.json")):
        name = history_file.name[: -len("_history.json")]
        try:
            paths = model_paths(name, folder)
            history = load_history(name, folder)
        except (ValueError, OSError):
            continue
        models.append({
            "scenario_name": name,
            "files": {key: (path.name if path.is_file() else None) for key, path in paths.items()},
            "episodes_completed": history.get("episodes_completed"),
            "final_metrics": history.get("final_metrics"),
            "finished_at": history.get("finished_at"),
        })
    return models
