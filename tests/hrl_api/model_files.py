"""What "nothing lost" means for a models folder, as assertions on the files themselves and on what
hrl_trainer's readers see of them. The scenario locks (`locks/`) are left out: their content names the
last writer."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import torch

from hrl_trainer.store.checkpoints import checkpoint_files, checkpoint_folders, model_files

CHECKPOINT_FILES = {"high_agent.pt", "low_agent.pt", "metadata.json"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digests(models_dir: Path) -> dict[str, str]:
    """sha256 of every file under ``models_dir`` (links not followed, locks left out), by relative path."""
    if not models_dir.exists():
        return {}
    return {
        str(path.relative_to(models_dir)): sha256(path.read_bytes())
        for path in sorted(models_dir.rglob("*"))
        if path.is_file() and not path.is_symlink() and path.relative_to(models_dir).parts[0] != "locks"
    }


def model_set(scenario: str) -> tuple[str, ...]:
    """The files that together are the published model of ``scenario``."""
    return model_files(scenario, Path(".")).names


def assert_loads(name: str, data: bytes) -> None:
    """A model loads with ``weights_only=True`` and holds an agent; anything else is JSON."""
    if name.endswith("optimizer.pt"):  # a run's optimiser state; empty for a run adopted from before runs
        assert not data or set(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)) == {
            "strategist",
            "executor",
        }, name
    elif name.endswith(".pt"):
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        assert {"kind", "architecture", "state_dict"} <= set(payload), name
    else:
        assert name.endswith(".json"), f"unexpected file: {name}"
        json.loads(data)


def assert_nothing_partial(models_dir: Path) -> None:
    """No hidden file or folder is left (staging, commits, temporary files), every checkpoint folder
    holds both agents and its metadata, every model loads and every JSON parses."""
    leftovers = sorted(str(path.relative_to(models_dir)) for path in models_dir.rglob(".*"))
    assert not leftovers, f"left behind: {leftovers}"
    for folder in [*models_dir.glob("checkpoints/*/checkpoint_*"), *models_dir.glob("runs/*/checkpoints/checkpoint_*")]:
        assert {p.name for p in folder.iterdir()} == CHECKPOINT_FILES, f"incomplete checkpoint: {folder}"
    for relative in digests(models_dir):
        assert_loads(relative, (models_dir / relative).read_bytes())


def reader_digests(models_dir: Path, scenario: str) -> dict[str, str]:
    """What hrl_trainer's readers see of ``scenario``'s published files, named like ``digests``: checks
    that each set (the model files, each published checkpoint folder) is whole or absent and that its
    files load; plus the runs' own files and the publication logs (issue 22) as they are on disk."""
    seen = {}
    for files in [model_files(scenario, models_dir), *map(checkpoint_files, checkpoint_folders(scenario, models_dir))]:
        if not any(map(files.exists, files.names)):
            continue
        for name, data in zip(files.names, files.read()):
            assert_loads(name, data)
            seen[str((files.folder / name).relative_to(models_dir))] = sha256(data)
    on_disk = digests(models_dir).items()
    return {**seen, **{name: digest for name, digest in on_disk if name.startswith(("runs/", "publications/"))}}


def assert_runs_kept(before: dict[str, str], after: dict[str, str]) -> None:
    """Every file of the runs that existed before is still there, unchanged."""
    kept = {name: digest for name, digest in before.items() if name.startswith("runs/")}
    assert {name: after.get(name) for name in kept} == kept, "a run's files changed or went missing"


def assert_model_set_whole(before: dict[str, str], after: dict[str, str], scenario: str) -> None:
    """The scenario's model files are still all the previous ones, or all new ones: never a mix."""
    names = model_set(scenario)
    kept = [name for name in names if after.get(name) == before.get(name)]
    assert all(name in after for name in names if name in before), f"model files lost: {names} {sorted(after)}"
    assert kept in ([], list(names)), f"only {kept} of {names} are the previous model's"
