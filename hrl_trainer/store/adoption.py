"""Adopting a models folder from before runs existed: each scenario's model files and checkpoints
become one run, and the published paths keep holding exactly what they held. Nothing is lost.

A scenario needs adopting when it has model files without the published run's summary
(`{scenario}_run.json`), or a real `checkpoints/{scenario}/` folder instead of the link to a run's
checkpoints. Every step can be interrupted and is simply done again (the run id is derived from
what is adopted, so a second attempt finds the first one's folder):

1. copy the model files and the checkpoint folders into `runs/.{run_id}.adopt.tmp/`, with a
   summary, then rename it to `runs/{run_id}/`;
2. rename the old `checkpoints/{scenario}/` aside (`checkpoints/.{scenario}.adopted`);
3. publish the run (the model files are rewritten with the summary, the link is made);
4. delete the old checkpoints set aside in step 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from hrl_trainer.common.atomic import fsync_dir, write_bytes_atomically
from hrl_trainer.common.clock import iso
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.store.checkpoints import MODEL_SUFFIXES, checkpoints_root, json_bytes, model_files, tidy_models_folder
from hrl_trainer.store.runlock import ScenarioLock, ScenarioLocked
from hrl_trainer.store.runs import (
    CHECKPOINTS_FOLDER,
    CONFIG_FILE,
    SUMMARY_FILE,
    final_files,
    publish_folder,
    run_dir,
    runs_root,
)


def needs_adoption(scenario: str, models_dir: str | Path | None = None) -> bool:
    files = model_files(scenario, models_dir)
    root = checkpoints_root(scenario, models_dir)
    has_old_model = files.exists(files.names[2]) and not files.exists(files.names[3])
    return has_old_model or (root.is_dir() and not root.is_symlink())


def _started(history: dict | None, root: Path) -> datetime:
    """When the adopted run started: from its history, else its oldest checkpoint, else the folder."""
    stamps = [history.get("started_at")] if history else []
    stamps += [
        json.loads(path.read_bytes()).get("saved_at") for path in sorted(root.glob("checkpoint_*/metadata.json"))
    ]
    for stamp in filter(None, stamps):
        try:
            return datetime.fromisoformat(stamp).astimezone(UTC)
        except (TypeError, ValueError):
            continue
    return datetime.fromtimestamp(root.stat().st_mtime if root.exists() else 0, UTC)


def adopted_run_id(scenario: str, history_bytes: bytes | None, started: datetime) -> str:
    digest = hashlib.sha256(history_bytes or scenario.encode()).hexdigest()[:4]
    return f"{scenario}-{started.strftime('%Y%m%d-%H%M%S')}-{digest}"


def _summary(run_id: str, scenario: str, history: dict | None, started: datetime, agents: bool) -> dict:
    if history is None:
        return {
            "run_id": run_id,
            "scenario_name": scenario,
            "status": "failed",
            "started_at": iso(started),
            "finished_at": None,
            "episodes_completed": 0,
            "total_episodes": None,
            "seed": None,
            "final_metrics": {},
            "held_out": None,
            "parent": None,
            "episode_offset": 0,
            "adopted": True,
            "error": "Adopted from a models folder that had checkpoints but no model files",
        }
    summary = {
        "run_id": run_id,
        "scenario_name": scenario,
        "status": "stopped" if history.get("stopped") else "completed",
        "started_at": history.get("started_at") or iso(started),
        "finished_at": history.get("finished_at"),
        "episodes_completed": history.get("episodes_completed"),
        "total_episodes": history.get("total_episodes"),
        "seed": history.get("seed"),
        "settings": history.get("config"),
        "final_metrics": history.get("final_metrics") or {},
        "held_out": None,
        "parent": None,
        "episode_offset": 0,
        "adopted": True,
    }
    if not agents:  # a history whose agent files were gone: kept, but nothing to publish or resume
        summary.update(status="failed", error="Adopted from a models folder that had a history but not both agents")
    return summary


def adopt_scenario(scenario: str, models_dir: str | Path | None = None) -> str | None:
    """Adopt the scenario's files from before runs existed as one run (the caller holds its lock);
    returns the run id, or None when there is nothing to adopt."""
    models_dir = resolve_models_dir(models_dir)
    root = checkpoints_root(scenario, models_dir)
    aside = root.parent / f".{scenario}.adopted"
    if not needs_adoption(scenario, models_dir):
        shutil.rmtree(aside, ignore_errors=True)
        return None
    files = model_files(scenario, models_dir)
    high, low, hist = files.names[:3]
    has_history = files.exists(hist) and not files.exists(files.names[3])
    has_model = has_history and files.exists(high) and files.exists(low)  # else only the history is kept
    legacy_checkpoints = root.is_dir() and not root.is_symlink()
    present = [name for name in (high, low, hist) if files.exists(name)] if has_history else []
    contents = dict(zip(present, files.read(*present))) if present else None
    history_bytes = contents[hist] if contents else None
    history = json.loads(history_bytes) if history_bytes else None
    started = _started(history, root if legacy_checkpoints else aside)
    run_id = adopted_run_id(scenario, history_bytes, started)
    folder = run_dir(run_id, models_dir)
    summary = _summary(run_id, scenario, history, started, has_model)
    if not folder.exists():
        staging = runs_root(models_dir) / f".{run_id}.adopt.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if has_model:
            final_files(staging).replace(
                {
                    "high_agent.pt": contents[high],
                    "low_agent.pt": contents[low],
                    "optimizer.pt": b"",
                    "history.json": contents[hist],
                }
            )
        elif has_history:  # kept as plain files: the run has no final set
            for name, data in contents.items():
                write_bytes_atomically(staging / name[len(scenario) + 1 :], data)
        if history is not None:
            config = {key: history.get(key) for key in ("config", "seed", "scenario", "versions")}
            write_bytes_atomically(staging / CONFIG_FILE, json_bytes(config))
        if legacy_checkpoints:
            shutil.copytree(root, staging / CHECKPOINTS_FOLDER, symlinks=True)
        write_bytes_atomically(staging / SUMMARY_FILE, json_bytes(summary))
        os.rename(staging, folder)
        fsync_dir(folder.parent)
    if legacy_checkpoints:
        os.rename(root, aside)
    if has_model:
        publish_folder(folder, json.loads((folder / SUMMARY_FILE).read_bytes()), models_dir)
    elif has_history:  # copied into the run: the published paths no longer claim a model
        for name in (hist, high, low):
            (files.folder / name).unlink(missing_ok=True)
    shutil.rmtree(aside, ignore_errors=True)
    return run_id


def legacy_scenarios(models_dir: str | Path | None = None) -> list[str]:
    """Scenarios whose files are still in the layout from before runs."""
    folder = resolve_models_dir(models_dir)
    suffix = MODEL_SUFFIXES["history"]
    names = {path.name[: -len(suffix)] for path in folder.glob(f"*{suffix}")}
    names |= {path.name for path in (folder / "checkpoints").glob("*") if not path.name.startswith(".")}
    found = []
    for name in sorted(names):
        try:
            if needs_adoption(name, folder):
                found.append(name)
        except ValueError:
            continue  # not a valid scenario name: not ours
    return found


def adopt_models_folder(models_dir: str | Path | None = None) -> list[str]:
    """Adopt every scenario of an old-layout models folder that nobody is writing (server start, CLI)."""
    adopted = []
    for scenario in legacy_scenarios(models_dir):
        try:
            with ScenarioLock.acquire(scenario, f"adopt {scenario}", models_dir, attempts=1):
                tidy_models_folder(scenario, models_dir)
                run_id = adopt_scenario(scenario, models_dir)
        except ScenarioLocked:
            continue  # its writer adopts it when it starts
        if run_id:
            adopted.append(run_id)
    return adopted
