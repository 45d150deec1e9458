"""Callbacks of the training loop, in the style of Stable-Baselines3 (`stable_baselines3/common/callbacks.py`).

`Trainer.run` calls `on_training_start()`; per rollout `on_rollout_start()`, the collection and the update,
`on_update()` once the agents have learned from the rollout, `on_step()` once per household reported, then
`on_rollout_end()`; and `on_training_end()` when the loop is over (`on_training_error(exc)` instead if anything
raised after the start). `on_step` returning False stops training after the rollout's remaining households are
reported (the agents learned from them all), and then `on_rollout_end` is not called (as SB3 skips it after a
stop). Additions to SB3's protocol: `on_rollout_start` may return False too (a stop asked while a checkpoint was
written is honoured before the next rollout, and before the first one), `on_training_error` lets the run's folder
record a failure, `on_update` sees each PPO update (SB3 logs its `train/*` keys inside `train()` instead), and
`on_phase(phase, detail)` hears when a callback turns the trainer to evaluating or saving (`Trainer.enter_phase`).

The loop only learns; everything else is a callback: the progress records (`ProgressCallback`), the PPO
diagnostics (`DiagnosticsCallback`), the periodic evaluations and checkpoints (`EvalCheckpointCallback`), the
held-out summary in euros (`HeldOutCallback`), the run's folder (`RunFolderCallback`) and the caller's
`on_progress` / `should_stop` / `on_event` functions (`ConvertCallback`). They share what they find through the
trainer's run record: `progress`, `diagnostics`, `evaluations`, `held_out`, `notes`, `publication`.
"""

from __future__ import annotations

import io
import math
import platform
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch

from hrl_trainer.common.clock import now_iso
from hrl_trainer.common.version import __version__
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.evaluation.euros import heldout_summary
from hrl_trainer.learn.metrics import DIAGNOSTIC_NAMES, MetricsWindow
from hrl_trainer.store.checkpoints import agent_bytes, json_bytes, save_checkpoint
from hrl_trainer.store.run_writer import RunWriter

if TYPE_CHECKING:
    from hrl_trainer.learn.trainer import Trainer

OnProgress = Callable[[dict], None]
"""Called with each household's `training_progress` record."""
ShouldStop = Callable[[], bool]
"""Asked before each rollout and after each household until it answers True."""
OnEvent = Callable[[str, dict], None]
"""Called with what the trainer does beside episodes: `("diagnostics", record)`, `("phase", {...})`."""


class TrainerCallback(ABC):
    """Base class: public `on_*` methods called by the trainer, protected `_on_*` hooks to override."""

    def __init__(self) -> None:
        self.trainer: Trainer
        self.n_calls = 0
        """Times `on_step` was called."""
        self.parent: TrainerCallback | None = None
        """The callback that calls this one as a child (an evaluation's `callback_after_eval`, say)."""

    def init_callback(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._init_callback()

    def on_training_start(self) -> None:
        self._on_training_start()

    def on_rollout_start(self) -> bool:
        """Before each rollout; False: stop training before it."""
        return self._on_rollout_start()

    def on_step(self) -> bool:
        """Once per household reported (`trainer.episodes_done` counts them); False: stop training."""
        self.n_calls += 1
        return self._on_step()

    def on_rollout_end(self) -> None:
        self._on_rollout_end()

    def on_update(self) -> None:
        """After the PPO update of each rollout (`trainer.diagnostics_records()`), before its households are
        reported."""
        self._on_update()

    def on_phase(self, phase: str, detail: dict | None) -> None:
        """The trainer turns to `phase` ("training", "evaluating", "saving"; `Trainer.enter_phase`)."""
        self._on_phase(phase, detail)

    def on_training_end(self) -> None:
        self._on_training_end()

    def on_training_error(self, error: BaseException) -> None:
        self._on_training_error(error)

    def _init_callback(self) -> None:
        pass

    def _on_training_start(self) -> None:
        pass

    def _on_rollout_start(self) -> bool:
        return True

    @abstractmethod
    def _on_step(self) -> bool:
        """If the callback returns False, training stops at the end of this rollout."""

    def _on_rollout_end(self) -> None:
        pass

    def _on_update(self) -> None:
        pass

    def _on_phase(self, phase: str, detail: dict | None) -> None:
        pass

    def _on_training_end(self) -> None:
        pass

    def _on_training_error(self, error: BaseException) -> None:
        pass


MaybeCallback = TrainerCallback | list[TrainerCallback] | None


class CallbackList(TrainerCallback):
    """Several callbacks, called in order; every one runs even after another says stop."""

    def __init__(self, callbacks: list[TrainerCallback]):
        super().__init__()
        self.callbacks = callbacks

    def _init_callback(self) -> None:
        for callback in self.callbacks:
            callback.init_callback(self.trainer)

    def _on_training_start(self) -> None:
        for callback in self.callbacks:
            callback.on_training_start()

    def _on_rollout_start(self) -> bool:
        continue_training = True
        for callback in self.callbacks:
            continue_training = callback.on_rollout_start() and continue_training
        return continue_training

    def _on_step(self) -> bool:
        continue_training = True
        for callback in self.callbacks:
            continue_training = callback.on_step() and continue_training
        return continue_training

    def _on_rollout_end(self) -> None:
        for callback in self.callbacks:
            callback.on_rollout_end()

    def _on_update(self) -> None:
        for callback in self.callbacks:
            callback.on_update()

    def _on_phase(self, phase: str, detail: dict | None) -> None:
        for callback in self.callbacks:
            callback.on_phase(phase, detail)

    def _on_training_end(self) -> None:
        for callback in self.callbacks:
            callback.on_training_end()

    def _on_training_error(self, error: BaseException) -> None:
        for callback in self.callbacks:
            callback.on_training_error(error)


def as_callback(*callbacks: MaybeCallback) -> CallbackList:
    """One CallbackList of the callbacks and lists given, in order (None left out)."""
    flat: list[TrainerCallback] = []
    for callback in callbacks:
        flat.extend(callback if isinstance(callback, list) else [] if callback is None else [callback])
    return CallbackList(flat)


class ConvertCallback(TrainerCallback):
    """The plain functions `train` takes, as a callback (SB3's ConvertCallback): `on_progress(record)` with each
    household's record (the one a ProgressCallback before it appended); `should_stop()`, asked before each
    rollout and after each household until it answers True (never again after that); and `on_event(kind,
    payload)` with the trainer's other news: `("diagnostics", record)` for each agent after each PPO update
    (`Trainer.diagnostics_records`), `("phase", {"phase", "phase_detail"})` when it turns to evaluating, saving or
    back to training. With `on_event`, the record of a rollout's last household is passed on once the rollout's
    end is known, after the phase it leads to: whoever relays both can say that the trainer evaluates after it."""

    def __init__(
        self,
        on_progress: OnProgress | None = None,
        should_stop: ShouldStop | None = None,
        on_event: OnEvent | None = None,
    ):
        super().__init__()
        self.on_progress, self.should_stop, self.on_event = on_progress, should_stop, on_event
        self.stop_requested = False
        self.held: dict | None = None
        """The rollout's last record, not passed on yet."""

    def _stop(self) -> bool:
        if not self.stop_requested and self.should_stop is not None:
            self.stop_requested = bool(self.should_stop())
        return self.stop_requested

    def _pass_on_held(self) -> None:
        if self.held is not None and self.on_progress is not None:
            record, self.held = self.held, None
            self.on_progress(record)

    def _on_rollout_start(self) -> bool:
        self._pass_on_held()
        return not self._stop()

    def _on_step(self) -> bool:
        if self.on_progress is not None:
            trainer = self.trainer
            if self.on_event is not None and trainer.rollout_index == trainer.rollout_size - 1:
                self.held = trainer.progress[-1]
            else:
                self.on_progress(trainer.progress[-1])
        return not self._stop()

    def _on_update(self) -> None:
        if self.on_event is not None:
            for record in self.trainer.diagnostics_records():
                self.on_event("diagnostics", record)

    def _on_phase(self, phase: str, detail: dict | None) -> None:
        if self.on_event is not None:
            self.on_event("phase", {"phase": phase, "phase_detail": detail})
        self._pass_on_held()

    def _on_rollout_end(self) -> None:
        self._pass_on_held()

    def _on_training_end(self) -> None:
        self._pass_on_held()


class ProgressCallback(TrainerCallback):
    """One `training_progress` record per household, appended to `trainer.progress`: the means over the last
    `metrics_window` episodes (TrainingError if a value is not finite)."""

    def _init_callback(self) -> None:
        self.window = MetricsWindow(self.trainer.config.metrics_window)

    def _on_step(self) -> bool:
        trainer = self.trainer
        self.window.add(trainer.episode_metrics())
        trainer.progress.append(
            self.window.progress(
                trainer.episode_offset + trainer.episodes_done,
                trainer.episode_offset + trainer.config.num_episodes,
                round(time.perf_counter() - trainer.start_time, 3),
            )
        )
        return True


class DiagnosticsCallback(TrainerCallback):
    """The PPO diagnostics of every update (`Trainer.diagnostics_records`), kept per agent as columns in
    `trainer.diagnostics`: `{"strategist": {"update": [...], "episode": [...], "policy_loss": [...], ...}, ...}`."""

    def _on_step(self) -> bool:
        return True

    def _on_update(self) -> None:
        for record in self.trainer.diagnostics_records():
            columns = self.trainer.diagnostics.setdefault(
                record["agent"], {key: [] for key in ("update", "episode", *DIAGNOSTIC_NAMES)}
            )
            for key, values in columns.items():
                values.append(record[key])


class EvalCheckpointCallback(TrainerCallback):
    """Every `save_interval` episodes (at the end of a rollout not stopped): the deterministic agents scored on the
    run's fixed evaluation households, recorded in `trainer.evaluations`. With a run folder, `checkpoint_episode_{N}/`
    is written (the newest `keep_checkpoints` kept), and `checkpoint_best/` when the score beats every earlier one
    of the run. Then `callback_on_new_best` (on a new best) and `callback_after_eval` run (the evaluation is
    `parent.last_evaluation`); if either says stop, training stops before the next rollout."""

    def __init__(
        self,
        run: RunFolderCallback | None = None,
        callback_on_new_best: TrainerCallback | None = None,
        callback_after_eval: TrainerCallback | None = None,
    ):
        super().__init__()
        self.run = run
        self.callback_on_new_best, self.callback_after_eval = callback_on_new_best, callback_after_eval
        self.best_mean_reward = -math.inf
        self.last_evaluation: dict = {}
        self.continue_training = True

    def _init_callback(self) -> None:
        for child in (self.callback_on_new_best, self.callback_after_eval):
            if child is not None:
                child.parent = self
                child.init_callback(self.trainer)

    def _on_rollout_start(self) -> bool:
        return self.continue_training

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        trainer = self.trainer
        if trainer.episodes_done % trainer.config.save_interval:
            return
        episode = trainer.episode_offset + trainer.episodes_done
        trainer.enter_phase("evaluating", {"households": trainer.config.eval_episodes, "purpose": "checkpoint"})
        metrics = trainer.evaluate(trainer.strategist, trainer.executor, f"evaluation at episode {episode}")
        self.last_evaluation = record = {"episode": episode, **metrics}
        trainer.evaluations.append(record)
        if self.run is not None:
            self.run.save_checkpoint(f"episode_{episode}", record)
            self.run.writer.prune_checkpoints(trainer.config.keep_checkpoints)
            self.run.writer.update(episodes_completed=episode)
        continue_training = True
        if metrics["avg_reward"] > self.best_mean_reward:
            self.best_mean_reward = metrics["avg_reward"]
            if self.run is not None:
                self.run.save_checkpoint("best", record)
            if self.callback_on_new_best is not None:
                continue_training = self.callback_on_new_best.on_step()
        if self.callback_after_eval is not None:
            continue_training = self.callback_after_eval.on_step() and continue_training
        self.continue_training = continue_training
        if continue_training and trainer.episodes_done < trainer.config.num_episodes:
            trainer.enter_phase("training")


class HeldOutCallback(TrainerCallback):
    """At the end of a run with at least one episode: the final agents on `held_out_episodes` held-out households
    (evaluation's `held_out` stream, never used to train or to pick anything), in `trainer.held_out`: what
    `evaluate` reports, rather than the noisy training window, and the euros of `heldout_summary`."""

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        trainer = self.trainer
        if not trainer.episodes_done:
            return
        households = trainer.config.held_out_episodes
        trainer.enter_phase("evaluating", {"households": households, "purpose": "held_out"})
        events = fixed_households(trainer.scenario, households, "held_out")
        in_euros = heldout_summary(
            trainer.scenario, trainer.strategist, trainer.executor, households, trainer.models_dir
        )
        trainer.held_out = {
            "households": households,
            **trainer.score_agents(trainer.strategist, trainer.executor, events, "held-out evaluation"),
            **in_euros,
        }


class RunFolderCallback(TrainerCallback):
    """The run's folder (`RunWriter`), holding the scenario's lock from the start of training to its end. At the
    start: the parent of a resumed run loaded, then the folder created with the run's provenance and a "running"
    summary; checkpoints when asked (`save_checkpoint`); at the end checkpoint_final/, the final agents, optimiser
    state and history (one set), the summary, and the run published (no files and no publishing if no episode
    ran); after an error, the failure recorded."""

    def _init_callback(self) -> None:
        trainer = self.trainer
        self.started_at = now_iso("milliseconds")  # orders two runs of one second
        self.writer = RunWriter(trainer.run_id, trainer.models_dir)
        self.closed = False

    def _on_step(self) -> bool:
        return True

    def _on_training_start(self) -> None:
        trainer, c = self.trainer, self.trainer.config
        if c.resume_from:
            trainer.resume(c.resume_from)
        offset = trainer.episode_offset
        self.writer.start(
            summary={
                "started_at": self.started_at,
                "finished_at": None,
                "episodes_completed": offset,
                "total_episodes": offset + c.num_episodes,
                "seed": trainer.seed,
                "settings": {
                    "num_episodes": c.num_episodes,
                    "save_interval": c.save_interval,
                    "eval_episodes": c.eval_episodes,
                    "keep_checkpoints": c.keep_checkpoints,
                    "publish": c.publish,
                },
                "final_metrics": {},
                "held_out": None,
                "parent": c.resume_from,
                "episode_offset": offset,
            },
            config=self.provenance(),
        )

    def _on_training_end(self) -> None:
        self.finish()
        self.writer.close()
        self.closed = True

    def _on_training_error(self, error: BaseException) -> None:
        if not self.closed:  # a later callback's error leaves the finished run as it is
            self.writer.fail(f"{type(error).__name__}: {error}")
            self.writer.close()

    def save_checkpoint(self, label: str, evaluation: dict | None) -> None:
        """`checkpoint_{label}/`: the agents as they are now, with `evaluation` in its metadata."""
        trainer = self.trainer
        with trainer.stopwatch.section("saving"):
            metadata = {
                "scenario_name": trainer.scenario.name,
                "run_id": trainer.run_id,
                "label": label,
                "saved_at": now_iso(),
                "seed": trainer.seed,
                "episodes_completed": trainer.episode_offset + trainer.episodes_done,
                "evaluation": evaluation,
                "config": trainer.config.to_dict(),
            }
            save_checkpoint(self.writer.checkpoint_dir(label), trainer.strategist, trainer.executor, metadata)

    def provenance(self) -> dict:
        """What defined the run: its whole config, seed, library versions and the scenario's figures."""
        trainer = self.trainer
        return {
            "config": trainer.config.to_dict(),
            "seed": trainer.seed,
            "scenario": trainer.scenario.to_dict(),
            "versions": {
                "hrl_trainer": __version__,
                "python": platform.python_version(),
                "numpy": np.__version__,
                "torch": torch.__version__,
            },
        }

    def history(self) -> dict:
        """Everything about the run, JSON-safe."""
        trainer = self.trainer
        return {
            "scenario_name": trainer.scenario.name,
            "run_id": trainer.run_id,
            "parent": trainer.config.resume_from,
            **self.provenance(),
            "started_at": self.started_at,
            "finished_at": now_iso(),
            "episode_offset": trainer.episode_offset,
            "episodes_completed": trainer.episode_offset + trainer.episodes_done,
            "total_episodes": trainer.episode_offset + trainer.config.num_episodes,
            "stopped": trainer.stopped,
            "final_metrics": trainer.final_metrics(),
            "held_out": trainer.held_out,
            "notes": trainer.notes,
            "progress": trainer.progress,
            "diagnostics": trainer.diagnostics,
            "evaluations": trainer.evaluations,
            "timings": {name: round(seconds, 3) for name, seconds in trainer.stopwatch.seconds.items()},
        }

    def optimizer_bytes(self) -> bytes:
        optimizers, buffer = self.trainer.optimizers, io.BytesIO()
        torch.save(
            {
                "strategist": optimizers[self.trainer.strategist].state_dict(),
                "executor": optimizers[self.trainer.executor].state_dict(),
            },
            buffer,
        )
        return buffer.getvalue()

    def publish_reason(self) -> str:
        """Why the run publishes itself at its end: "resumed" (it continued another run), "stopped" or "finished"."""
        trainer = self.trainer
        return "resumed" if trainer.config.resume_from else "stopped" if trainer.stopped else "finished"

    def finish(self) -> None:
        """Write checkpoint_final/, then the final files (one set), the summary, and publish the run as its config's
        `publish` says (the record in `trainer.publication`)."""
        trainer = self.trainer
        outcome = {
            "status": "stopped" if trainer.stopped else "completed",
            "finished_at": now_iso(),
            "episodes_completed": trainer.episode_offset + trainer.episodes_done,
        }
        if not trainer.episodes_done:
            self.writer.finish(publish=None, **outcome)
            return
        trainer.enter_phase("saving")
        self.save_checkpoint("final", trainer.evaluations[-1] if trainer.evaluations else None)
        with trainer.stopwatch.section("saving"):
            self.writer.save_final(
                {
                    "high_agent.pt": agent_bytes(trainer.strategist),
                    "low_agent.pt": agent_bytes(trainer.executor),
                    "optimizer.pt": self.optimizer_bytes(),
                    "history.json": json_bytes(self.history()),
                }
            )
            trainer.publication = self.writer.finish(
                publish=trainer.config.publish,
                reason=self.publish_reason(),
                final_metrics=trainer.final_metrics(),
                held_out=trainer.held_out,
                **outcome,
            )


def run_callbacks() -> list[TrainerCallback]:
    """The callbacks of a recorded run: progress records, PPO diagnostics, evaluations with checkpoints, the
    held-out summary and the run's folder (in this order: the folder's history holds what the others found)."""
    folder = RunFolderCallback()
    return [ProgressCallback(), DiagnosticsCallback(), EvalCheckpointCallback(folder), HeldOutCallback(), folder]
