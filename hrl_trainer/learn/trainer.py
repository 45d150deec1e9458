"""The training loop: two-level PPO on rollouts of many households side by side.

Each iteration simulates about `num_envs` households for a whole episode, in
groups of `rollouts_per_life` siblings that live the same life (only their
actions differ, and each is judged against its siblings), updates both agents
once, then reports the episodes one by one. Iterations end exactly on
`save_interval` boundaries, so `checkpoint_episode_{N}/` holds the
agents as they were after N episodes. A stop request is honoured at the end
of the iteration (its remaining episodes are still reported: the agents
learned from them), or before the next iteration starts: at most one
iteration (a fraction of a second) after it arrives. So `episodes_completed`,
everywhere, is exactly the number of episodes the saved agents learned from.
When the run ends, the final agents are scored on held-out households
(`history["heldout"]`, `TrainResult.heldout`).
"""
from __future__ import annotations

import io
import math
import platform
import time
from datetime import datetime
from typing import Callable

import numpy as np
import torch

from hrl_trainer.common.version import __version__
from hrl_trainer.agents.networks import GOAL_DIM, ActorCritic, Executor, Strategist
from hrl_trainer.store.checkpoints import agent_bytes, json_bytes, save_checkpoint
from hrl_trainer.common.config import TrainConfig
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.evaluation.scoring import hrl_policy, score
from hrl_trainer.learn.metrics import MetricsWindow, ensure_finite
from hrl_trainer.learn.optim import Adam
from hrl_trainer.learn.outcome import TrainResult
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.learn.ppo import PPOSettings, center_on_siblings, compute_gae, ppo_update
from hrl_trainer.agents.policy import HierarchicalPolicy, buffer_target
from hrl_trainer.env.rollout import EpisodeStats, Stopwatch, Trajectory, run_episodes
from hrl_trainer.store.run_writer import RunWriter
from hrl_trainer.store.runs import load_run_state, new_run_id
from hrl_trainer.env.scenarios import load_scenario
from hrl_trainer.evaluation.euros import heldout_summary
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents

ProgressCallback = Callable[[dict], None]
StopCheck = Callable[[], bool]


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Trainer:
    """Owns the agents, their optimisers and the run's bookkeeping."""

    def __init__(self, config: TrainConfig, on_progress: ProgressCallback | None = None,
                 should_stop: StopCheck | None = None):
        self.config = config
        self.scenario = load_scenario(config.scenario_name, config.scenarios_dir)
        self.models_dir = resolve_models_dir(config.models_dir)
        self.on_progress = on_progress or (lambda record: None)
        self.should_stop = should_stop or (lambda: False)

        self.seed = config.seed if config.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
        self.rng = np.random.default_rng([self.seed, 0, 0])
        self.action_rng = np.random.default_rng([self.seed, 0, 1])  # the policies' draws while collecting
        torch.manual_seed(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)

        self.strategist = Strategist(OBS_DIM, config.hidden, config.high_period)
        self.executor = Executor(OBS_DIM + GOAL_DIM, config.hidden, config.rule_prior)
        self.optimizers = {agent: Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
                           for agent in (self.strategist, self.executor)}
        self.ppo = PPOSettings(config.clip_coef, config.ent_coef, config.vf_coef, config.update_epochs,
                               config.num_minibatches, config.max_grad_norm)
        self.checkpoint_events = fixed_households(self.scenario, config.eval_episodes, "checkpoint")
        self.update_stats: dict[str, dict[str, float]] = {}
        self.heldout: dict = {}
        self.notes: list[str] = []
        self.window = MetricsWindow(config.metrics_window)
        self.stopwatch = Stopwatch()
        self.progress: list[dict] = []
        self.evaluations: list[dict] = []
        self.best_eval = -math.inf
        self.started_at = datetime.now().isoformat(timespec="milliseconds")  # orders two runs of one second
        self.start_time = time.perf_counter()
        self.run_id = config.run_id or new_run_id(self.scenario.name)
        self.record = RunWriter(self.run_id, self.models_dir)
        self.episode_offset = 0  # episodes the parent of a resumed run had trained

    # --- one iteration -------------------------------------------------------------------------
    def collect(self, households: int) -> tuple[Trajectory, EpisodeStats]:
        """Simulate `households` new episodes with the current (sampling) policy."""
        siblings = self.config.rollouts_per_life
        life = np.repeat(np.arange(-(-households // siblings)), siblings)[:households]
        events = LifeEvents.draw(self.scenario, int(life[-1]) + 1, self.rng)
        batch = HouseholdBatch(self.scenario, events, rows=life)
        trajectory = Trajectory(life=life)
        stats = run_episodes(batch, self.sampling_policy(trajectory), trajectory, self.stopwatch)
        return trajectory, stats

    def sampling_policy(self, trajectory: Trajectory) -> HierarchicalPolicy:
        """The policy that collects a rollout, recording into `trajectory`."""
        return HierarchicalPolicy(self.strategist, self.executor, trajectory=trajectory, rng=self.action_rng)

    def learn(self, traj: Trajectory) -> None:
        """One PPO update of each agent from a finished rollout."""
        c, period = self.config, self.config.high_period
        rewards, active = np.stack(traj.rewards), np.stack(traj.active)
        months = rewards.shape[0]
        monthly_goal = np.repeat(np.stack(traj.goals), period, axis=0)[:months]
        buffer = self.scenario.safety_buffer
        target = buffer_target(monthly_goal.reshape(-1, GOAL_DIM), buffer).reshape(months, -1)
        shortfall = np.clip((target - np.stack(traj.liquid)) / max(buffer, 1.0), 0.0, 1.0)
        intrinsic = -c.intrinsic_coef * (np.stack(traj.goal_distance) + 0.5 * shortfall)
        low_reward = (rewards + intrinsic) * c.reward_scale
        high_reward = np.add.reduceat(rewards, np.arange(0, months, period), axis=0) * c.reward_scale
        with self.stopwatch.section("update"):
            if self.optimizers[self.strategist].lr > 0:  # a Strategist done learning is left as it is
                self._update(self.strategist, np.stack(traj.obs_high), np.stack(traj.goal_logits), high_reward,
                             active[::period], traj.life, c.gamma**period)
            self._update(self.executor, np.stack(traj.obs_low), np.stack(traj.split_logits), low_reward, active,
                         traj.life, c.gamma)

    def _update(self, agent: ActorCritic, obs: np.ndarray, actions: np.ndarray, rewards: np.ndarray,
                valid: np.ndarray, life: np.ndarray, gamma: float) -> None:
        """PPO on one agent's (T, B) rollout: `obs` (T, B, D) normalised as the agent saw them, `actions`
        (T, B, A) the logits it drew, `rewards` and `valid` (T, B), `life` (B,). Nothing has changed the agent
        since it collected and it learns from the very inputs it acted on, so the log-probabilities and values
        it gives them now, before any step, are the behaviour policy's (the first ratio is exactly 1)."""
        obs_t, valid_t = torch.from_numpy(obs), torch.from_numpy(valid)
        obs_t, actions_t = obs_t[valid_t], torch.from_numpy(np.asarray(actions, dtype=np.float32))[valid_t]  # (N, .)
        with torch.no_grad():
            old_logprob, _, value = agent.score(obs_t, actions_t)  # (N,) each
        values = torch.zeros(valid_t.shape).index_put_((valid_t,), value)
        advantages, returns = compute_gae(torch.from_numpy(rewards).float(), values, valid_t.float(),
                                          gamma, self.config.gae_lambda)
        advantages = center_on_siblings(advantages, valid_t, torch.from_numpy(life))
        stats = ppo_update(agent, self.optimizers[agent], obs_t, actions_t, old_logprob,
                           advantages[valid_t], returns[valid_t], self.ppo, self.generator)
        self.update_stats[type(agent).__name__] = ensure_finite(stats, f"{type(agent).__name__} update")

    def anneal(self, done: int) -> None:
        """With `anneal_lr`, each learning rate falls linearly from `learning_rate` (no episode done) to 0: the
        Executor's at the end of the run, the Strategist's after `strategist_episodes` (or the run, if shorter)."""
        if self.config.anneal_lr:
            c = self.config
            for agent, horizon in ((self.strategist, min(c.strategist_episodes, c.num_episodes)),
                                   (self.executor, c.num_episodes)):
                if agent in self.optimizers:
                    self.optimizers[agent].lr = c.learning_rate * max(0.0, 1.0 - done / horizon)

    # --- checkpoints ---------------------------------------------------------------------------
    def _score(self, strategist: Strategist, executor: Executor, events: LifeEvents, what: str) -> dict:
        """The metrics of the agents acting deterministically on the households of `events`."""
        with self.stopwatch.section("evaluation"):
            return ensure_finite(score(self.scenario, events, hrl_policy(strategist, executor)).metrics(), what)

    def evaluate(self, strategist: Strategist, executor: Executor, what: str) -> dict:
        """The metrics of the agents acting deterministically on this run's fixed evaluation households."""
        return self._score(strategist, executor, self.checkpoint_events, what)

    def evaluate_heldout(self) -> dict:
        """The final agents on `heldout_episodes` held-out households (evaluation's `held_out` stream, never
        used to train or to pick anything): what `evaluate` reports, rather than the noisy training window."""
        households = self.config.heldout_episodes
        events = fixed_households(self.scenario, households, "held_out")
        in_euros = heldout_summary(self.scenario, self.strategist, self.executor, households, self.models_dir)
        return {"households": households, **self._score(self.strategist, self.executor, events, "held-out evaluation"),
                **in_euros}

    def evaluate_and_checkpoint(self, episode: int) -> None:
        """Score the deterministic policy on the fixed households; write the periodic checkpoint (keeping
        the newest `keep_checkpoints`), and the best one when it beats every earlier evaluation of the run."""
        metrics = self.evaluate(self.strategist, self.executor, f"evaluation at episode {episode}")
        record = {"episode": episode, **metrics}
        self.evaluations.append(record)
        self._save(f"episode_{episode}", record)
        self.record.prune_checkpoints(self.config.keep_checkpoints)
        self.record.update(episodes_completed=episode)
        if metrics["avg_reward"] > self.best_eval:
            self.best_eval = metrics["avg_reward"]
            self._save("best", record)

    def _save(self, label: str, evaluation: dict | None) -> None:
        with self.stopwatch.section("saving"):
            metadata = {"scenario_name": self.scenario.name, "run_id": self.run_id, "label": label,
                        "saved_at": now_iso(), "seed": self.seed,
                        "episodes_completed": self.episode_offset + len(self.progress), "evaluation": evaluation,
                        "config": self.config.to_dict()}
            save_checkpoint(self.record.checkpoint_dir(label), self.strategist, self.executor, metadata)

    def provenance(self) -> dict:
        """What defined the run: its whole config, seed, library versions and the scenario's figures."""
        return {
            "config": self.config.to_dict(), "seed": self.seed, "scenario": self.scenario.to_dict(),
            "versions": {"hrl_trainer": __version__, "python": platform.python_version(),
                         "numpy": np.__version__, "torch": torch.__version__},
        }

    def history(self, stopped: bool) -> dict:
        """Everything about the run, JSON-safe."""
        return {
            "scenario_name": self.scenario.name, "run_id": self.run_id, "parent": self.config.resume_from,
            **self.provenance(),
            "started_at": self.started_at, "finished_at": now_iso(), "episode_offset": self.episode_offset,
            "episodes_completed": self.episode_offset + len(self.progress),
            "total_episodes": self.episode_offset + self.config.num_episodes,
            "stopped": stopped, "final_metrics": self.final_metrics(), "heldout": self.heldout,
            "notes": self.notes, "progress": self.progress, "evaluations": self.evaluations,
            "timings": {name: round(seconds, 3) for name, seconds in self.stopwatch.seconds.items()},
        }

    def final_metrics(self) -> dict:
        return self.window.means() if self.progress else {}

    def optimizer_bytes(self) -> bytes:
        buffer = io.BytesIO()
        torch.save({"strategist": self.optimizers[self.strategist].state_dict(),
                    "executor": self.optimizers[self.executor].state_dict()}, buffer)
        return buffer.getvalue()

    def finish(self, stopped: bool) -> None:
        """Write checkpoint_final/, then the run's final agents, optimiser state and history (one set),
        its summary, and publish it (no files and no publishing if no episode ran)."""
        outcome = {"status": "stopped" if stopped else "completed", "finished_at": now_iso(),
                   "episodes_completed": self.episode_offset + len(self.progress)}
        if not self.progress:
            self.record.finish(publish=False, **outcome)
            return
        self._save("final", self.evaluations[-1] if self.evaluations else None)
        with self.stopwatch.section("saving"):
            self.record.save_final({"high_agent.pt": agent_bytes(self.strategist),
                                    "low_agent.pt": agent_bytes(self.executor),
                                    "optimizer.pt": self.optimizer_bytes(),
                                    "history.json": json_bytes(self.history(stopped))})
            self.record.finish(publish=True, final_metrics=self.final_metrics(), held_out=self.heldout, **outcome)

    # --- the run's folder ----------------------------------------------------------------------
    def resume(self, run_id: str) -> None:
        """Continue from a run's final agents (networks and observation normalisers) and optimiser state."""
        strategist, executor, optimizer_state, parent = load_run_state(run_id, self.models_dir)
        if parent["scenario_name"] != self.scenario.name:
            raise ValueError(f"resume_from: run {run_id} trained '{parent['scenario_name']}', not '{self.scenario.name}'")
        for agent, saved, key in ((self.strategist, strategist, "strategist"), (self.executor, executor, "executor")):
            agent.load_state_dict(saved.state_dict())
            if optimizer_state.get(key):
                self.optimizers[agent].load_state_dict(optimizer_state[key])
        self.episode_offset = int(parent.get("episodes_completed") or 0)

    def open_run(self) -> None:
        """Load the parent of a resumed run, then take the scenario and create the run's folder."""
        if self.config.resume_from:
            self.resume(self.config.resume_from)
        c = self.config
        self.record.start(summary={
            "started_at": self.started_at, "finished_at": None, "episodes_completed": self.episode_offset,
            "total_episodes": self.episode_offset + c.num_episodes, "seed": self.seed,
            "settings": {"num_episodes": c.num_episodes, "save_interval": c.save_interval,
                         "eval_episodes": c.eval_episodes, "keep_checkpoints": c.keep_checkpoints},
            "final_metrics": {}, "held_out": None, "parent": c.resume_from, "episode_offset": self.episode_offset,
        }, config=self.provenance())

    # --- the run -------------------------------------------------------------------------------
    def next_batch_size(self, done: int) -> int:
        """Households in the next rollout: about `num_envs`, in even batches that end exactly at the
        next save boundary (or the end of the run)."""
        interval = self.config.save_interval
        remaining = min(self.config.num_episodes - done, interval - done % interval)
        batches = max(1, round(remaining / self.config.num_envs))
        return math.ceil(remaining / batches)

    def run(self) -> TrainResult:
        """Train until `num_episodes` or until `should_stop()`; always leaves consistent files. Raises
        `runlock.ScenarioLocked` at once if another process writes the scenario."""
        self.open_run()
        try:
            return self._run()
        except BaseException as exc:
            self.record.fail(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self.record.close()

    def _run(self) -> TrainResult:
        total, offset = self.config.num_episodes, self.episode_offset
        done, stopped = 0, False
        while done < total and not stopped:
            stopped = self.should_stop()
            if stopped:
                break
            households = self.next_batch_size(done)
            trajectory, stats = self.collect(households)
            self.anneal(done)
            self.learn(trajectory)
            for index in range(households):  # every one, even after a stop: the agents learned from them all
                done += 1
                self.window.add(stats.metrics(index))
                record = self.window.progress(offset + done, offset + total,
                                              round(time.perf_counter() - self.start_time, 3))
                self.progress.append(record)
                self.on_progress(record)
                stopped = stopped or self.should_stop()
            if done % self.config.save_interval == 0 and not stopped:
                self.evaluate_and_checkpoint(offset + done)
        if self.progress:
            self.heldout = self.evaluate_heldout()
        self.finish(stopped)
        return TrainResult(self.scenario.name, offset + done, offset + total, stopped, self.final_metrics(),
                           self.heldout)


def train(config: TrainConfig, on_progress: ProgressCallback | None = None,
          should_stop: StopCheck | None = None) -> TrainResult:
    """Train the Strategist and the Executor on `config.scenario_name` and write the model files."""
    return Trainer(config, on_progress, should_stop).run()
