"""The run being trained: its folder, written by the trainer while it holds the scenario's lock, and agents
trained elsewhere kept as a completed run (`record_agents`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hrl_trainer.common.atomic import write_bytes_atomically
from hrl_trainer.common.clock import iso, utc_now
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.store.adoption import adopt_scenario
from hrl_trainer.store.checkpoints import agent_bytes, json_bytes, tidy_models_folder
from hrl_trainer.store.publications import Publication
from hrl_trainer.store.runlock import ScenarioLock
from hrl_trainer.store.runs import (
    CHECKPOINTS_FOLDER,
    CONFIG_FILE,
    beats_published,
    final_files,
    new_run_id,
    publish_recorded,
    publishable,
    read_summaries,
    repair_checkpoints_link,
    run_checkpoint_dir,
    run_dir,
    run_scenario,
    validate_run_id,
    write_summary,
)

if TYPE_CHECKING:
    from hrl_trainer.agents.networks import Executor, Strategist


class RunWriter:
    """The folder of the run being trained; used by the trainer, holding the scenario's lock."""

    def __init__(self, run_id: str, models_dir: str | Path | None = None):
        self.run_id = validate_run_id(run_id)
        self.scenario = run_scenario(run_id)
        self.models_dir = resolve_models_dir(models_dir)
        self.folder = run_dir(run_id, self.models_dir)
        self.lock: ScenarioLock | None = None
        self.summary: dict = {}

    def start(self, summary: dict, config: dict) -> None:
        """Take the scenario (ScenarioLocked if another writer has it), put the folder in order
        (adopt a models folder from before runs, finish a killed publish, mark killed runs failed),
        then create this run's folder with its config and a "running" summary."""
        self.lock = ScenarioLock.acquire(self.scenario, self.run_id, self.models_dir)
        try:
            tidy_models_folder(self.scenario, self.models_dir)
            adopt_scenario(self.scenario, self.models_dir)
            repair_checkpoints_link(self.scenario, self.models_dir)
            read_summaries(self.models_dir, self.scenario)  # marks this scenario's killed runs failed
            self.folder.mkdir(parents=True)
            write_bytes_atomically(self.folder / CONFIG_FILE, json_bytes(config))
            self.update(run_id=self.run_id, scenario_name=self.scenario, status="running", **summary)
        except BaseException:
            self.close()
            raise

    def start_untrained(self, config: dict) -> None:
        """`start` for a run whose agents are not trained by this writer's process (recorded from elsewhere, or a
        test's stand-in trainer): no episode yet, no metrics, no held-out result, no parent."""
        self.start(
            summary={
                "started_at": iso(utc_now()),
                "episodes_completed": 0,
                "final_metrics": {},
                "held_out": None,
                "parent": None,
            },
            config=config,
        )

    def update(self, **fields: Any) -> None:
        """Rewrite the summary with `fields` changed."""
        self.summary = {**self.summary, **fields}
        write_summary(self.folder, self.summary)

    def checkpoint_dir(self, label: str) -> Path:
        return run_checkpoint_dir(self.folder, label)

    def prune_checkpoints(self, keep: int) -> None:
        """Keep the newest `keep` `checkpoint_episode_N` folders (best and final are not counted)."""
        root = self.folder / CHECKPOINTS_FOLDER
        periodic = sorted(
            (int(path.name.rsplit("_", 1)[1]), path)
            for path in root.glob("checkpoint_episode_*")
            if path.name.rsplit("_", 1)[1].isdigit()
        )
        for _, path in periodic[: max(0, len(periodic) - keep)]:
            shutil.rmtree(path)

    def save_final(self, contents: dict[str, bytes]) -> None:
        """Write the final agents, optimiser state and history (one set)."""
        final_files(self.folder).replace(contents)

    def finish(self, publish: str | None, reason: str = "finished", **fields: Any) -> Publication | None:
        """Write the final summary, then publish the run if it can be and `publish` says so (`config.PUBLISH_POLICIES`:
        "on_finish" always, "if_better" when its held-out score beats the published run's; None or "manual":
        never), recorded with `reason`. Returns the publication's record, or None when the run was not published."""
        self.update(**fields)
        if publish not in ("on_finish", "if_better") or not publishable(self.folder, self.summary):
            return None
        if publish == "if_better" and not beats_published(self.summary, self.models_dir):
            return None
        return publish_recorded(self.folder, self.summary, self.models_dir, reason)

    def fail(self, error: str) -> None:
        """Record why the run failed (best effort: the failure may be the disk itself)."""
        try:
            self.update(status="failed", error=error, finished_at=iso(utc_now()))
        except OSError:
            pass

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()


def record_agents(
    scenario_name: str,
    strategist: Strategist,
    executor: Executor,
    history: dict | None = None,
    models_dir: str | Path | None = None,
) -> str:
    """Keep agents trained elsewhere (or made by hand, as the tests and benchmarks do) as a completed
    run of `scenario_name`, published like a finished training; returns its run id. `history` is stored
    as the run's history (its `episodes_completed` defaults to 1, so that the run can be published)."""
    history = {"scenario_name": scenario_name, "episodes_completed": 1, **(history or {})}
    writer = RunWriter(new_run_id(scenario_name), models_dir)
    writer.start_untrained({"recorded": True})
    try:
        writer.save_final(
            {
                "high_agent.pt": agent_bytes(strategist),
                "low_agent.pt": agent_bytes(executor),
                "optimizer.pt": b"",
                "history.json": json_bytes(history),
            }
        )
        writer.finish(
            publish="on_finish",
            status="completed",
            finished_at=iso(utc_now()),
            episodes_completed=history["episodes_completed"],
            final_metrics=history.get("final_metrics") or {},
        )
    finally:
        writer.close()
    return writer.run_id
