"""Runs, not overwrites: every training is a run with its own folder, found, compared, resumed,
published and deleted by id.

Layout of the models folder::

    runs/{run_id}/run.json          the small summary: status, times, episodes, final metrics,
                                    held-out evaluation, parent (what listings read)
    runs/{run_id}/config.json       everything that defined it: config, seed, versions, scenario figures
    runs/{run_id}/labels.json       its name, notes and tags, set by people (`labels`), never by its trainer
    runs/{run_id}/high_agent.pt, low_agent.pt, optimizer.pt, history.json
                                    its final agents, optimiser state and history: one set (`filesets`)
    runs/{run_id}/checkpoints/checkpoint_{episode_N,best,final}/
    {scenario}_high_agent.pt, _low_agent.pt, _history.json, _run.json
                                    the scenario's published run (one set, replaced whole)
    publications/{scenario}.json    every publish of the scenario: which run, when, why, what it replaced
    checkpoints/{scenario}          a symbolic link to the published run's `checkpoints/`
    locks/{scenario}.lock           one writer per scenario (`runlock`)

A run's folder is written only by the process that trains it, holding the scenario's lock; publishing
and deleting take the same lock, so they answer `ScenarioLocked` while the scenario trains. A run
whose summary still says "running" when nobody holds its lock was killed: the next read (or the next
start on its scenario) marks it failed and tidies its folder. Torch is only imported to load agents.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hrl_trainer.common.atomic import fsync_dir, write_bytes_atomically
from hrl_trainer.common.clock import moment_of, utc_now
from hrl_trainer.common.filesets import FileSet
from hrl_trainer.common.paths import resolve_models_dir, validate_name
from hrl_trainer.common.thinning import thin_columns, thin_evenly
from hrl_trainer.common.wording import RUN_ID_RULE
from hrl_trainer.store.checkpoints import (
    agent_from_bytes,
    checkpoints_root,
    history_from_json,
    json_bytes,
    load_summary,
    model_files,
    tidy_checkpoint_folders,
    with_todays_keys,
)
from hrl_trainer.store.labels import NO_LABELS, label_text, read_labels, write_labels
from hrl_trainer.store.publications import Publication, append_publication, held_out_score, new_publication
from hrl_trainer.store.runlock import ScenarioLock, ScenarioLocked, is_locked, read_holder

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist

RUNS_FOLDER = "runs"
SUMMARY_FILE, CONFIG_FILE = "run.json", "config.json"
FINAL_FILES = ("high_agent.pt", "low_agent.pt", "optimizer.pt", "history.json")
ARCHIVE_FILES = (SUMMARY_FILE, CONFIG_FILE, "high_agent.pt", "low_agent.pt", "history.json")
CHECKPOINTS_FOLDER = "checkpoints"
RUN_ID_PATTERN = re.compile(r"(?P<scenario>[a-z0-9_-]{1,64})-(?P<date>\d{8})-(?P<time>\d{6})-[0-9a-f]{4}")
RUN_ID_DOC_PATTERN = r"^[a-z0-9_-]{1,64}-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$"
"""`RUN_ID_PATTERN` for OpenAPI clients (ECMA-262)."""
STATUSES = ("running", "completed", "stopped", "failed")
SORT_ORDERS = ("asc", "desc")
LISTED_STATUSES = ("queued", *STATUSES)
"""What a listing may show: a run queued in cluster mode has no folder yet (see `list_runs`'s `pending`)."""
KILLED = "The training process ended without finishing (killed, or its machine stopped)"

__all__ = [
    "RunNotFound",
    "RunStillTraining",
    "ScenarioLocked",
    "archive_run",
    "delete_run",
    "label_run",
    "list_runs",
    "load_run_agents",
    "new_run_id",
    "publish_run",
    "read_run",
    "read_run_history",
    "validate_run_id",
]


class RunNotFound(LookupError):
    """No run with that id, or it has no final agents (it failed before saving any)."""


class RunStillTraining(RunNotFound):
    """The run has no final agents yet because it is still training (a RunNotFound to those that only load)."""


# --- ids and places --------------------------------------------------------------------------------
def new_run_id(scenario_name: str, now: datetime | None = None) -> str:
    """`{scenario}-{YYYYmmdd-HHMMSS}-{4 hex}` (UTC): unique, and sorted by start time within a scenario."""
    stamp = (now or utc_now()).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{validate_name(scenario_name)}-{stamp}-{secrets.token_hex(2)}"


def validate_run_id(run_id: object) -> str:
    """Return `run_id` if it is a well-formed run id, else raise ValueError (before any disk access)."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id):
        raise ValueError(f"Must be a run id: {RUN_ID_RULE}.")
    return run_id


def run_scenario(run_id: str) -> str:
    """The scenario a run id belongs to."""
    return RUN_ID_PATTERN.fullmatch(validate_run_id(run_id))["scenario"]


def runs_root(models_dir: str | Path | None = None) -> Path:
    return resolve_models_dir(models_dir) / RUNS_FOLDER


def run_dir(run_id: str, models_dir: str | Path | None = None) -> Path:
    """`models/runs/{run_id}/` (the id is validated first)."""
    return runs_root(models_dir) / validate_run_id(run_id)


def final_files(folder: Path) -> FileSet:
    """A run's final agents, optimiser state and history, as one set."""
    return FileSet(folder, FINAL_FILES, folder / ".final")


def run_checkpoint_dir(folder: Path, label: str) -> Path:
    return folder / CHECKPOINTS_FOLDER / f"checkpoint_{label}"


# --- summaries -------------------------------------------------------------------------------------
def _read_json(path: Path) -> dict:
    return json.loads(path.read_bytes())


def write_summary(folder: Path, summary: dict) -> None:
    write_bytes_atomically(folder / SUMMARY_FILE, json_bytes(summary))


def _existing(run_id: str, models_dir: str | Path | None) -> Path:
    folder = run_dir(run_id, models_dir)
    if not folder.is_dir():
        raise RunNotFound(f"No run '{run_id}'")
    return folder


def _summary(folder: Path, models_dir: str | Path | None) -> dict:
    """A run's settled summary. A run killed before its first summary was written (while writing its
    config, say) has none: it counts as "running", so that `_settle` marks it failed once its writer is
    gone (while the writer holds the scenario, it is simply still starting)."""
    try:
        summary = _read_json(folder / SUMMARY_FILE)
    except FileNotFoundError:
        summary = {"run_id": folder.name, "scenario_name": run_scenario(folder.name), "status": "running"}
    return _settle(folder, summary, models_dir)


def published_run_id(scenario: str, models_dir: str | Path | None = None) -> str | None:
    """The id of the run whose files the scenario's published paths hold (None: no model, or a
    model from before runs existed that was not adopted yet)."""
    try:
        return load_summary(scenario, models_dir).get("run_id")
    except (OSError, ValueError):
        return None


def _settle(folder: Path, summary: dict, models_dir: str | Path | None) -> dict:
    """The summary, with a "running" run whose trainer is gone marked failed (and its folder tidied)."""
    if summary.get("status") != "running":
        return summary
    scenario, run_id = summary["scenario_name"], summary["run_id"]
    if is_locked(scenario, models_dir):
        holder = read_holder(scenario, models_dir)
        if holder is None or holder == run_id or not RUN_ID_PATTERN.fullmatch(holder):
            return summary  # still training (or the holder is a short publish / delete / tidy)
        return _mark_failed(folder, summary)  # another run of its scenario trains: this one is dead
    try:
        with ScenarioLock.acquire(scenario, f"tidy {run_id}", models_dir, attempts=1):
            if (folder / SUMMARY_FILE).is_file():
                summary = _read_json(folder / SUMMARY_FILE)  # it may have finished meanwhile
            return _mark_failed(folder, summary) if summary.get("status") == "running" else summary
    except ScenarioLocked:
        return summary  # someone started writing meanwhile: ask again later


def _mark_failed(folder: Path, summary: dict) -> dict:
    final_files(folder).recover()
    tidy_checkpoint_folders(folder / CHECKPOINTS_FOLDER)
    for temporary in folder.glob(".*.tmp"):
        temporary.unlink()
    summary = {**summary, "status": "failed", "error": summary.get("error") or KILLED}
    write_summary(folder, summary)
    return summary


def read_summaries(models_dir: str | Path | None, scenario: str | None = None) -> list[tuple[Path, dict]]:
    root = runs_root(models_dir)
    pattern = f"{scenario}-*" if scenario else "*"
    found = []
    for folder in root.glob(pattern) if root.is_dir() else ():
        if folder.name.startswith(".") or not RUN_ID_PATTERN.fullmatch(folder.name):
            continue
        try:
            found.append((folder, _summary(folder, models_dir)))
        except (OSError, ValueError):
            continue  # a folder being created or deleted right now
    return found


def newest_first(summaries: list[dict]) -> list[dict]:
    """Newest start (or queueing) first, as time (`clock.moment_of`), then by run id."""
    return sorted(
        summaries, key=lambda s: (moment_of(s.get("started_at") or s.get("queued_at")), s["run_id"]), reverse=True
    )


def _metric(summary: dict, part: str) -> float | None:
    value = (summary.get(part) or {}).get("avg_reward")
    return value if isinstance(value, int | float) else None


SORT_KEYS: dict[str, Callable[[dict], Any]] = {
    "started_at": lambda s: (moment_of(s.get("started_at") or s.get("queued_at")), s["run_id"]),
    "name": lambda s: (s.get("name") or "").casefold() or None,
    "final_reward": lambda s: _metric(s, "final_metrics"),
    "held_out": lambda s: _metric(s, "held_out"),
    "episodes": lambda s: s.get("episodes_completed"),
    "scenario_name": lambda s: s.get("scenario_name"),
    "status": lambda s: s.get("status"),
}
"""What a listing may be sorted by: the start, the name, the final training reward (`final_metrics.avg_reward`),
the held-out score (`held_out.avg_reward`), the episodes completed, the scenario, the status."""


def sort_runs(summaries: list[dict], sort: str = "started_at", order: str = "desc") -> list[dict]:
    """`summaries` by `SORT_KEYS[sort]`, ascending or descending (`order`); runs without that value (no name, no
    held-out score) come last either way, and ties stay newest first."""
    key = SORT_KEYS[sort]
    ordered = newest_first(summaries)
    known = [s for s in ordered if key(s) is not None]
    return sorted(known, key=key, reverse=order == "desc") + [s for s in ordered if key(s) is None]


def matches(summary: dict, q: str | None, tag: str | None) -> bool:
    """Whether a labelled summary has `q` (case-insensitive) in its name, tags, notes or run id, and the tag `tag`
    (case-insensitive); None matches everything."""
    if q and q.casefold() not in f"{summary['run_id']}\n{label_text(summary)}".casefold():
        return False
    return not tag or tag.casefold() in (t.casefold() for t in summary.get("tags", []))


def list_runs(
    models_dir: str | Path | None = None,
    scenario_name: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    pending: list[dict] = (),
    q: str | None = None,
    tag: str | None = None,
    sort: str = "started_at",
    order: str = "desc",
) -> tuple[list[dict], int]:
    """Run summaries with their labels (name, notes, tags), filtered by scenario, status, text `q` and `tag`, in the
    order `sort` and `order` ask (default: newest first); (this page, how many matched). `pending`: summaries
    of runs known elsewhere (queued or running in cluster mode), listed unless their folder already says more."""
    if scenario_name is not None:
        validate_name(scenario_name)
    if sort not in SORT_KEYS or order not in SORT_ORDERS:
        raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)} and order asc or desc")
    found = read_summaries(models_dir, scenario_name)
    on_disk = [{**s, **read_labels(folder)} for folder, s in found]
    known = {s["run_id"] for s in on_disk}
    summaries = [
        s
        for s in [*on_disk, *({**NO_LABELS, **p} for p in pending if p["run_id"] not in known)]
        if scenario_name in (None, s.get("scenario_name")) and status in (None, s.get("status")) and matches(s, q, tag)
    ]
    published = {name: published_run_id(name, models_dir) for name in {s["scenario_name"] for s in summaries}}
    page = sort_runs(summaries, sort, order)[offset : None if limit is None else offset + limit]
    return [{**s, "published": published[s["scenario_name"]] == s["run_id"]} for s in page], len(summaries)


def read_run(run_id: str, models_dir: str | Path | None = None) -> dict:
    """A run's summary, whether it is published, and its whole config (seed, versions, scenario figures)."""
    folder = _existing(run_id, models_dir)
    summary = _summary(folder, models_dir)
    try:
        config = with_todays_keys(_read_json(folder / CONFIG_FILE))
    except FileNotFoundError:
        config = {}
    published = published_run_id(summary["scenario_name"], models_dir) == run_id
    return {**summary, **read_labels(folder), "published": published, "config": config}


def label_run(run_id: str, changes: dict[str, Any], models_dir: str | Path | None = None) -> dict:
    """Set any of a run's `name`, `notes` and `tags` (checked by `labels.clean_labels`: FieldErrors), even while
    it trains: they live in their own file. RunNotFound for an unknown run. Returns the run as `read_run` does."""
    folder = _existing(run_id, models_dir)
    write_labels(folder, changes)
    return read_run(run_id, models_dir)


def has_final_agents(folder: Path) -> bool:
    return final_files(folder).exists(FINAL_FILES[0])


def _final(run_id: str, models_dir: str | Path | None, *names: str) -> list[bytes]:
    folder = _existing(run_id, models_dir)
    if _summary(folder, models_dir)["status"] == "running":
        raise RunStillTraining(f"Run '{run_id}' is still training: its agents and history are saved when it ends")
    try:
        return final_files(folder).read(*names)
    except FileNotFoundError:
        raise RunNotFound(f"Run '{run_id}' has no final agents (it ended before saving any)") from None


def thin_history(history: dict, max_points: int | None) -> dict:
    """A saved history for display: its progress records, and each agent's diagnostics rows (absent from a history
    from before diagnostics were recorded), evenly thinned to `max_points` (first and last kept)."""
    thinned = dict(history)
    if "progress" in history:
        thinned["progress"] = thin_evenly(history["progress"], max_points)
    if isinstance(history.get("diagnostics"), dict):
        thinned["diagnostics"] = {
            agent: thin_columns(columns, max_points)
            for agent, columns in history["diagnostics"].items()
            if isinstance(columns, dict)
        }
    return thinned


NOT_SERIES = ("total_episodes", "run_id")
"""Keys of a progress record that are the same on every row of a run: not series of its history."""


def history_columns(progress: list[dict]) -> list[str]:
    """The series of a history's progress records (its CSV's columns): `episode`, then every other key the records
    have, in their order, but `NOT_SERIES`."""
    keys = dict.fromkeys(key for record in progress for key in record if key not in NOT_SERIES)
    return ["episode", *(key for key in keys if key != "episode")]


def read_run_history(run_id: str, models_dir: str | Path | None = None, max_points: int | None = None) -> dict:
    """A run's saved history, thinned to `max_points` (`thin_history`)."""
    (data,) = _final(run_id, models_dir, "history.json")
    return thin_history({"progress": [], **history_from_json(data)}, max_points)


def resume_point(run_id: str, scenario_name: str, models_dir: str | Path | None = None) -> int:
    """The episodes a run that a new run of `scenario_name` may resume has trained. RunNotFound if
    it does not exist or has no final agents; ValueError if it trained another scenario."""
    summary = read_run(run_id, models_dir)
    if summary["scenario_name"] != scenario_name:
        raise ValueError(f"Run '{run_id}' trained '{summary['scenario_name']}', not '{scenario_name}'.")
    if not publishable(run_dir(run_id, models_dir), summary):
        raise RunNotFound(f"Run '{run_id}' has no final agents to resume from (status {summary['status']})")
    return int(summary["episodes_completed"])


def load_run_agents(run_id: str, models_dir: str | Path | None = None) -> tuple[Strategist, Executor]:
    """The final Strategist and Executor of a run; RunNotFound if it does not exist or has none."""
    high, low = _final(run_id, models_dir, "high_agent.pt", "low_agent.pt")
    return agent_from_bytes(high), agent_from_bytes(low)


def load_run_state(run_id: str, models_dir: str | Path | None = None) -> tuple[Strategist, Executor, dict, dict]:
    """What resuming a run needs: its final agents, optimiser state and summary."""
    import torch  # torch, only when a run is resumed

    high, low, optimizer = _final(run_id, models_dir, "high_agent.pt", "low_agent.pt", "optimizer.pt")
    state = torch.load(io.BytesIO(optimizer), map_location="cpu", weights_only=True) if optimizer else {}
    summary = _read_json(run_dir(run_id, models_dir) / SUMMARY_FILE)
    return agent_from_bytes(high), agent_from_bytes(low), state, summary


def archive_run(run_id: str, models_dir: str | Path | None = None) -> bytes:
    """A zip of the run's agents, summary, config and history (`python -m hrl_trainer evaluate --run`)."""
    folder = _existing(run_id, models_dir)
    high, low, history = _final(run_id, models_dir, "high_agent.pt", "low_agent.pt", "history.json")
    contents = {
        SUMMARY_FILE: (folder / SUMMARY_FILE).read_bytes(),
        CONFIG_FILE: (folder / CONFIG_FILE).read_bytes(),
        "high_agent.pt": high,
        "low_agent.pt": low,
        "history.json": history,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ARCHIVE_FILES:
            archive.writestr(f"{run_id}/{name}", contents[name])
    return buffer.getvalue()


def read_archive(data: bytes) -> dict[str, bytes]:
    """The files of an archive made by `archive_run`, by name (ValueError if it is not one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {Path(name).name: archive.read(name) for name in archive.namelist()}
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a run archive: {exc}") from None
    missing = set(ARCHIVE_FILES) - set(files)
    if missing:
        raise ValueError(f"not a run archive: {', '.join(sorted(missing))} missing")
    return files


# --- publishing and deleting -----------------------------------------------------------------------
def publishable(folder: Path, summary: dict) -> bool:
    """Finished or stopped after at least one episode, with its final agents saved."""
    return (
        summary.get("status") in ("completed", "stopped")
        and (summary.get("episodes_completed") or 0) > 0
        and has_final_agents(folder)
    )


def link_checkpoints(scenario: str, target: Path | None, models_dir: str | Path | None = None) -> None:
    """Point `checkpoints/{scenario}` at `target` (a run's checkpoints folder), or remove it (None);
    the link is replaced in one rename."""
    link = checkpoints_root(scenario, models_dir)
    link.parent.mkdir(parents=True, exist_ok=True)
    if target is None:
        if link.is_symlink():
            link.unlink()
        return
    staged = link.parent / f".{scenario}.{secrets.token_hex(4)}.link"
    os.symlink(os.path.relpath(target, link.parent), staged)
    os.replace(staged, link)
    fsync_dir(link.parent)


def publish_folder(folder: Path, summary: dict, models_dir: str | Path | None) -> None:
    """Make the run the scenario's published model (the caller holds the scenario's lock)."""
    high, low, history = final_files(folder).read("high_agent.pt", "low_agent.pt", "history.json")
    files = model_files(summary["scenario_name"], models_dir)
    files.replace(dict(zip(files.names, (high, low, history, json_bytes(summary)))))
    link_checkpoints(summary["scenario_name"], folder / CHECKPOINTS_FOLDER, models_dir)


def _unpublish(scenario: str, models_dir: str | Path | None) -> None:
    """Leave the scenario without a published model (the caller holds the scenario's lock)."""
    files = model_files(scenario, models_dir)
    files.recover()
    link_checkpoints(scenario, None, models_dir)
    for name in reversed(files.names):  # the summary and the history first: listings stop showing it
        (files.folder / name).unlink(missing_ok=True)
    fsync_dir(files.folder)


def repair_checkpoints_link(scenario: str, models_dir: str | Path | None = None) -> None:
    """After a publish interrupted between its two steps, point the link at the published run again."""
    run_id = published_run_id(scenario, models_dir)
    if run_id is not None and validate_run_id_or_none(run_id):
        link_checkpoints(scenario, run_dir(run_id, models_dir) / CHECKPOINTS_FOLDER, models_dir)


def validate_run_id_or_none(run_id: Any) -> str | None:
    try:
        return validate_run_id(run_id)
    except ValueError:
        return None


def published_summary(scenario: str, models_dir: str | Path | None = None) -> dict | None:
    """The summary of the scenario's published run as it was published (None: no model, or an unreadable one)."""
    try:
        return load_summary(scenario, models_dir)
    except (OSError, ValueError):
        return None


def publish_recorded(folder: Path, summary: dict, models_dir: str | Path | None, reason: str) -> Publication:
    """`publish_folder`, and the publish recorded in the scenario's publication log (`publications`) with `reason`
    and the run it replaced (the caller holds the scenario's lock). Returns the record."""
    before = published_summary(summary["scenario_name"], models_dir)
    replaced = before if before and before.get("run_id") != summary["run_id"] else None
    record = new_publication(summary, reason, replaced)
    publish_folder(folder, summary, models_dir)
    append_publication(summary["scenario_name"], record, models_dir)
    return record


def beats_published(summary: dict, models_dir: str | Path | None) -> bool:
    """Whether the run of `summary` should replace the scenario's published run under `publish="if_better"`: its
    held-out score beats the published run's, or no run is published, or the published one has no score."""
    mine = held_out_score(summary)
    theirs = held_out_score(published_summary(summary["scenario_name"], models_dir))
    return mine is not None and (theirs is None or mine > theirs)


def publish_run(run_id: str, models_dir: str | Path | None = None, reason: str = "manual") -> dict:
    """Publish a finished or stopped run by hand (`reason` "manual", or "undo" to publish again the run a publish
    replaced); ScenarioLocked while its scenario is being written. Returns its summary, `published`, and the
    record of the publish as `publication`."""
    folder = _existing(run_id, models_dir)
    scenario = run_scenario(run_id)
    with ScenarioLock.acquire(scenario, f"publish {run_id}", models_dir):
        summary = _summary(folder, models_dir)
        if not publishable(folder, summary):
            raise RunNotFound(
                f"Run '{run_id}' has no final agents to publish (status {summary.get('status')}, "
                f"{summary.get('episodes_completed') or 0} episodes)"
            )
        record = publish_recorded(folder, summary, models_dir, reason)
    return {**summary, "published": True, "publication": record}


def delete_run(run_id: str, models_dir: str | Path | None = None) -> dict:
    """Delete a run's folder. Deleting the published run publishes the newest other run of its scenario
    that can be, or leaves the scenario without a model. ScenarioLocked while the scenario trains."""
    folder = _existing(run_id, models_dir)
    scenario = run_scenario(run_id)
    with ScenarioLock.acquire(scenario, f"delete {run_id}", models_dir):
        _summary(folder, models_dir)
        successor, record = None, None
        if published_run_id(scenario, models_dir) == run_id:
            others = [
                (f, s) for f, s in read_summaries(models_dir, scenario) if s["run_id"] != run_id and publishable(f, s)
            ]
            if others:
                successor = newest_first([s for _, s in others])[0]
                record = publish_recorded(run_dir(successor["run_id"], models_dir), successor, models_dir, "deleted")
            else:
                _unpublish(scenario, models_dir)
        doomed = folder.with_name(f".{run_id}.deleting")
        os.rename(folder, doomed)  # the run disappears in one step; the removal may take a while
        shutil.rmtree(doomed)
    return {
        "run_id": run_id,
        "deleted": True,
        "published_run_id": successor["run_id"] if successor else None,
        "publication": record,
    }
