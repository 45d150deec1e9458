"""Where models and scenarios live, and the one check every name passes before touching disk."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from hrl_trainer.common.environment import MODELS_DIR, SCENARIOS_DIR, Variable
from hrl_trainer.common.wording import NAME_RULE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NAME_PATTERN = re.compile(r"[a-z0-9_-]{1,64}")
BASELINES_FOLDER = "baselines"
"""`models/baselines/`: the tuned baselines (`baselines.cache`) and the flat PPOs (`use.flat_store`)."""


def validate_name(name: object) -> str:
    """Return `name` if it is a safe scenario name (`[a-z0-9_-]{1,64}`), else raise ValueError."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"A name must be {NAME_RULE}.")
    return name


def _resolve(path: str | os.PathLike | None, variable: Variable[Path | None], default: str) -> Path:
    chosen = path if path is not None else variable.value() or PROJECT_ROOT / default
    return Path(chosen).expanduser().resolve()


def resolve_models_dir(path: str | os.PathLike | None = None) -> Path:
    """The models folder: `path`, else $HRL_MODELS_DIR, else `<project>/models`."""
    return _resolve(path, MODELS_DIR, "models")


def resolve_scenarios_dir(path: str | os.PathLike | None = None) -> Path:
    """The scenarios folder: `path`, else $HRL_SCENARIOS_DIR, else `<project>/scenarios`."""
    return _resolve(path, SCENARIOS_DIR, "scenarios")


def check_writable_folder(folder: Path) -> Path:
    """Return `folder` if it is a writable folder, or can be created as one in an existing writable parent;
    else raise OSError with one clear sentence (checked before a long run, not after it)."""
    existing = folder if folder.exists() else folder.parent
    if not existing.exists():
        raise FileNotFoundError(f"{folder}: its parent folder {existing} does not exist")
    if not existing.is_dir():
        raise NotADirectoryError(f"{folder}: {existing} is not a folder (Not a directory)")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise PermissionError(f"{folder}: cannot write in {existing} ({exc.strerror})") from None
    return folder
