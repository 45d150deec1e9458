"""Model and history files: the layout of the models folder, each set of files replaced all at once.

A scenario's `{name}_high_agent.pt`, `_low_agent.pt`, `_history.json` and `_run.json` (the small summary
of the published run, see `runs`) form one set, and so do the
`high_agent.pt`, `low_agent.pt` and `metadata.json` of each checkpoint folder: a set is replaced as a
whole (see `filesets`), so a reader, even right after the writer was killed, finds the previous set
or the new one, never a new Strategist beside an old Executor. Agents are serialised in memory first,
so a full disk fails with the system's own "No space left on device". Models are loaded with
`torch.load(..., weights_only=True)`. Torch is imported only by the functions that (de)serialise
agents: the web server lists models and reads histories without it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from hrl_trainer.common.filesets import COMMITTED, FileSet
from hrl_trainer.common.paths import resolve_models_dir, validate_name

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import ActorCritic, Executor, Strategist
CHECKPOINT_FILES = ("high_agent.pt", "low_agent.pt", "metadata.json")
MODEL_SUFFIXES = {
    "high_agent": "_high_agent.pt",
    "low_agent": "_low_agent.pt",
    "history": "_history.json",
    "summary": "_run.json",
}


class IncompatibleModel(ValueError):
    """A saved agent this version cannot run: it was trained on another observation layout, or its design or
    action layout is not one this version builds."""


def layout_difference(saved: list[str] | None, expected: list[str]) -> str:
    """How a saved observation layout differs from this version's, in a few words."""
    if not isinstance(saved, list):
        return "it was saved before observation layouts were recorded"
    if len(saved) != len(expected):
        return f"it has {len(saved)} inputs, this version {len(expected)}"
    index = next(i for i, (a, b) in enumerate(zip(saved, expected)) if a != b)
    return f"its input {index} is '{saved[index]}', this version's is '{expected[index]}'"


def json_bytes(data: dict) -> bytes:
    """Compact JSON for a file (no indentation: a 100 000-episode history stays a few tens of MB less);
    NaN or infinity raise ValueError before anything is written."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def agent_classes() -> dict[str, type[ActorCritic]]:
    """Agent classes by the kind saved with them. Torch is imported here, when agents are written or
    read, so that the layout helpers of this module (and the runs listing) stay light."""
    from hrl_trainer.agents.networks import Executor, Strategist  # torch, only when agents are written or read

    return {"strategist": Strategist, "executor": Executor}


def agent_bytes(agent: ActorCritic) -> bytes:
    """An agent's kind, architecture (with an Executor's design), observation and action layouts (the name of each
    input and of each action dimension) and state dict, serialised."""
    import torch  # torch, only when agents are written or read

    from hrl_trainer.agents.networks import observation_layout  # torch, only when agents are written or read

    kind = next(k for k, cls in agent_classes().items() if isinstance(agent, cls))
    buffer = io.BytesIO()
    torch.save(
        {
            "kind": kind,
            "architecture": agent.architecture(),
            "observation": observation_layout(kind),
            "action": list(agent.action_names),
            "state_dict": agent.state_dict(),
        },
        buffer,
    )
    return buffer.getvalue()


def agent_from_bytes(data: bytes) -> ActorCritic:
    """Rebuild an agent serialised by `agent_bytes` (tensors and plain types only); IncompatibleModel if it
    was trained on other observations than this version's, or with a design or action layout this version does
    not build (agents saved before action layouts were recorded load by their architecture alone). The global
    random state is left alone, so a seeded run that loads an agent stays reproducible."""
    import torch  # torch, only when agents are written or read

    from hrl_trainer.agents.networks import (  # torch, only when agents are written or read
        UnknownDesign,
        observation_layout,
    )

    payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    saved, expected = payload.get("observation"), observation_layout(payload["kind"])
    if saved != expected:
        raise IncompatibleModel(
            f"the saved {payload['kind']} cannot run in this version: "
            f"{layout_difference(saved, expected)}; train the scenario again"
        )
    try:
        with torch.random.fork_rng(devices=[]):  # building the network draws its initial weights
            agent = agent_classes()[payload["kind"]](**payload["architecture"])
        agent.load_state_dict(payload["state_dict"])
    except UnknownDesign as exc:
        raise IncompatibleModel(f"the saved {payload['kind']} cannot run in this version: {exc}") from exc
    except (TypeError, RuntimeError) as exc:  # an architecture or weights this version does not build (a newer one's)
        raise IncompatibleModel(
            f"the saved {payload['kind']} cannot run in this version: its architecture "
            f"{payload['architecture']} is not one this version builds; train the scenario again"
        ) from exc
    action = payload.get("action")
    if action is not None and list(action) != list(agent.action_names):
        raise IncompatibleModel(
            f"the saved {payload['kind']} cannot run in this version: its actions are {action}, this version's "
            f"{list(agent.action_names)} for its architecture {payload['architecture']}; train the scenario again"
        )
    return agent.eval()


# --- the sets of files ---------------------------------------------------------------------------
def model_files(name: str, models_dir: str | Path | None = None) -> FileSet:
    """`{name}_high_agent.pt`, `_low_agent.pt`, `_history.json` and `_run.json`, as one set."""
    folder = resolve_models_dir(models_dir)
    validate_name(name)
    return FileSet(folder, tuple(name + suffix for suffix in MODEL_SUFFIXES.values()), folder / f".{name}")


def model_paths(name: str, models_dir: str | Path | None = None) -> dict[str, Path]:
    """The trained-model files of scenario `name`."""
    files = model_files(name, models_dir)
    return {key: files.folder / file for key, file in zip(MODEL_SUFFIXES, files.names)}


def checkpoints_root(name: str, models_dir: str | Path | None = None) -> Path:
    """`models/checkpoints/{name}/`."""
    return resolve_models_dir(models_dir) / "checkpoints" / validate_name(name)


def checkpoint_dir(name: str, label: str, models_dir: str | Path | None = None) -> Path:
    """`models/checkpoints/{name}/checkpoint_{label}/` (label: `episode_N`, `best` or `final`)."""
    return checkpoints_root(name, models_dir) / f"checkpoint_{label}"


def checkpoint_files(folder: Path) -> FileSet:
    """The files of a checkpoint folder, as one set staged beside the folder."""
    return FileSet(folder, CHECKPOINT_FILES, folder.parent / f".{folder.name}")


def checkpoint_folders(name: str, models_dir: str | Path | None = None) -> list[Path]:
    """Every checkpoint folder of scenario `name`'s published run, including one only staged."""
    return checkpoint_folders_in(checkpoints_root(name, models_dir))


def checkpoint_folders_in(root: Path) -> list[Path]:
    """Every checkpoint folder under `root`, including one whose first version is only staged."""
    return sorted({root / entry.name.lstrip(".").split(".")[0] for entry in root.glob("*checkpoint_*")})


# --- saving and loading --------------------------------------------------------------------------
def save_checkpoint(folder: Path, strategist: Strategist, executor: Executor, metadata: dict) -> None:
    """Replace the checkpoint in `folder` with both agents and a metadata JSON."""
    contents = (agent_bytes(strategist), agent_bytes(executor), json_bytes(metadata))
    checkpoint_files(folder).replace(dict(zip(CHECKPOINT_FILES, contents)))


def read_agents(files: FileSet) -> tuple[Strategist, Executor]:
    """The Strategist and the Executor of a set whose first two files are theirs, of one version."""
    high, low = files.read(*files.names[:2])
    return agent_from_bytes(high), agent_from_bytes(low)


def load_checkpoint(folder: Path) -> tuple[Strategist, Executor]:
    """Load the two agents of a checkpoint folder."""
    return read_agents(checkpoint_files(folder))


def load_trained_models(name: str, models_dir: str | Path | None = None) -> tuple[Strategist, Executor]:
    """Load the trained agents of scenario `name`; FileNotFoundError if it was never trained."""
    return read_agents(model_files(name, models_dir))


OLD_SPELLINGS = {"heldout": "held_out", "heldout_episodes": "held_out_episodes"}
"""Keys written before 0.1 (histories and run configs), and today's spelling of each."""


def with_todays_keys(record: dict) -> dict:
    """`record` (a saved history or a run's config.json) with today's key spellings (`OLD_SPELLINGS`), at its top
    level and in its training `config`; a key already spelled today's way wins."""
    for mapping in (record, record.get("config")):
        if isinstance(mapping, dict):
            for old, new in OLD_SPELLINGS.items():
                if old in mapping:
                    mapping.setdefault(new, mapping.pop(old))
                    mapping.pop(old, None)
    return record


def history_from_json(data: bytes | str) -> dict:
    """A saved history, with the key spellings of today (`with_todays_keys`)."""
    return with_todays_keys(json.loads(data))


def load_history(name: str, models_dir: str | Path | None = None) -> dict:
    """The training history of scenario `name`; ValueError for a bad name, FileNotFoundError if absent."""
    files = model_files(name, models_dir)
    (history,) = files.read(files.names[2])
    return history_from_json(history)


def load_summary(name: str, models_dir: str | Path | None = None) -> dict:
    """The small summary of scenario `name`'s published run (`{name}_run.json`); FileNotFoundError if absent."""
    files = model_files(name, models_dir)
    (summary,) = files.read(files.names[3])
    return json.loads(summary)


def list_trained_models(models_dir: str | Path | None = None) -> list[dict]:
    """Every scenario with a published model, with its files, run id and final metrics: read from the
    small `{name}_run.json`, never by parsing histories (a model without one, from before runs existed
    and not adopted yet, is read from its history). The folder is listed once; a scenario with a swap
    of its files pending is read through its file set (see filesets)."""
    folder = resolve_models_dir(models_dir)
    try:
        entries = set(os.listdir(folder))
    except FileNotFoundError:
        return []
    suffix = MODEL_SUFFIXES["history"]
    pending = {entry[1:].split(".")[0] for entry in entries if entry.startswith(".") and entry.endswith(COMMITTED)}
    models = []
    for name in sorted({entry[: -len(suffix)] for entry in entries if entry.endswith(suffix)} | pending):
        try:
            files = model_files(name, folder)
            if name in pending:  # a history committed but not yet moved into place counts too
                present = {file for file in files.names if files.exists(file)}
                summary = load_summary(name, folder) if files.names[3] in present else load_history(name, folder)
            else:
                present = entries & set(files.names)
                summary = json.loads((folder / files.names[3 if files.names[3] in present else 2]).read_bytes())
        except (ValueError, OSError):
            continue
        if files.names[2] not in present:
            continue
        models.append(
            {
                "scenario_name": name,
                "run_id": summary.get("run_id"),
                "files": {key: (file if file in present else None) for key, file in zip(MODEL_SUFFIXES, files.names)},
                "episodes_completed": summary.get("episodes_completed"),
                "final_metrics": summary.get("final_metrics"),
                "finished_at": summary.get("finished_at"),
            }
        )
    return models


def tidy_checkpoint_folders(root: Path) -> None:
    """Finish or discard what a killed writer left in the checkpoint folders under `root`: pending swaps
    are completed, staged files deleted, and so are the leftovers of earlier versions, which wrote one
    file at a time (`.*.tmp` files, folders missing a file)."""
    for checkpoint in map(checkpoint_files, checkpoint_folders_in(root)):
        checkpoint.recover()
        for temporary in checkpoint.folder.glob(".*.tmp"):
            temporary.unlink()
        if checkpoint.folder.is_dir() and not all(map(checkpoint.exists, CHECKPOINT_FILES)):
            shutil.rmtree(checkpoint.folder)


def tidy_models_folder(name: str, models_dir: str | Path | None = None) -> None:
    """Finish or discard what a killed writer of scenario `name`'s published files left (the trainer
    calls this when a run starts, holding the scenario's lock): the model files' pending swap is
    completed, staged files deleted, with `.{file}.*.tmp` files of earlier versions; so are the
    checkpoint folders of a models folder from before runs existed (a real folder, not yet adopted).
    A published run's own checkpoints are its business, never touched here."""
    files = model_files(name, models_dir)
    files.recover()
    for file in files.names:
        for temporary in files.folder.glob(f".{file}.*.tmp"):
            temporary.unlink()
    root = checkpoints_root(name, models_dir)
    if root.is_dir() and not root.is_symlink():
        tidy_checkpoint_folders(root)
