"""What "nothing lost" means for a models folder, as assertions on the files themselves."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

TEMP_SUFFIX = ".tmp"
CHECKPOINT_FILES = {"high_agent.pt", "low_agent.pt", "metadata.json"}


def digests(models_dir: Path) -> dict[str, str]:
    """sha256 of every file under ``models_dir``, by path relative to it."""
    if not models_dir.exists():
        return {}
    return {str(path.relative_to(models_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(models_dir.rglob("*")) if path.is_file()}


def model_set(scenario: str) -> tuple[str, str, str]:
    """The files that together are one trained model of ``scenario``."""
    return f"{scenario}_high_agent.pt", f"{scenario}_low_agent.pt", f"{scenario}_history.json"


def assert_nothing_partial(models_dir: Path) -> None:
    """Every model loads with ``weights_only=True``, every JSON parses, no temporary file is left
    and every checkpoint folder holds both agents and its metadata."""
    for folder in models_dir.glob("checkpoints/*/checkpoint_*"):
        assert {p.name for p in folder.iterdir()} == CHECKPOINT_FILES, f"incomplete checkpoint: {folder}"
    for relative in digests(models_dir):
        path = models_dir / relative
        assert not path.name.endswith(TEMP_SUFFIX), f"temporary file left behind: {relative}"
        if path.suffix == ".pt":
            payload = torch.load(path, map_location="cpu", weights_only=True)
            assert {"kind", "architecture", "state_dict"} <= set(payload), relative
        else:
            assert path.suffix == ".json", f"unexpected file: {relative}"
            json.loads(path.read_text(encoding="utf-8"))


def assert_model_set_whole(before: dict[str, str], after: dict[str, str], scenario: str) -> None:
    """The scenario's model files are still all the previous ones, or all new ones: never a mix."""
    names = model_set(scenario)
    kept = [name for name in names if after.get(name) == before.get(name)]
    assert all(name in after for name in names if name in before), f"model files lost: {names} {sorted(after)}"
    assert kept in ([], list(names)), f"only {kept} of {names} are the previous model's"
