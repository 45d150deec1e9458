"""The training loop: two-level PPO on rollouts of many households side by side.

Each iteration simulates about `num_envs` households for a whole episode, in
groups of `rollouts_per_life` siblings that live the same life (only their
actions differ, and each is judged against its siblings), updates both agents
once, then reports the episodes one by one. Iterations end exactly on
`save_interval` boundaries, so `checkpoint_episode_{N}/` holds the
agents as they were after N episodes. A stop request is honoured after the
episode being reported, or before the next iteration starts: at most one
iteration (a fraction of a second) after it arrives.
"""
from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable

import numpy as np
import torch

from . import __version__
from .agents import GOAL_DIM, ActorCritic, Executor, Strategist
from .checkpoints import checkpoint_dir, load_checkpoint, save_checkpoint, save_trained_models, tidy_models_folder
from .config import TrainConfig
from .evaluation import fixed_households, hrl_policy, score
from .metrics import MetricsWindow, ensure_finite
from .optim import Adam
from .paths import resolve_models_dir
from .ppo import PPOSettings, center_on_siblings, compute_gae, ppo_update
from .rollout import EpisodeStats, HierarchicalPolicy, Stopwatch, Trajectory, buffer_target, run_episodes
from .scenarios import load_scenario
from .simulation import OBS_DIM, HouseholdBatch, LifeEvents

ProgressCallback = Callable[[dict], None]
StopCheck = Callable[[], bool]


@dataclass
class TrainResult:
    """How a run ended."""

    scenario_name: str
    episodes_completed: int
    total_episodes: int
    stopped: bool
    final_metrics: dict

    def to_dict(self) -> dict:
        return asdict(self)


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
        torch.manual_seed(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)

        self.strategist = Strategist(OBS_DIM, config.hidden, config.high_period)
        self.executor = Executor(OBS_DIM + GOAL_DIM, config.hidden)
        self.optimizers = {agent: Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
                           for agent in (self.strategist, self.executor)}
        self.ppo = PPOSettings(config.clip_coef, config.ent_coef, config.vf_coef, config.update_epochs,
                               config.num_minibatches, config.max_grad_norm)
        self.checkpoint_events = fixed_households(self.scenario, config.eval_episodes, "checkpoint")
        self.window = MetricsWindow(config.metrics_window)
        self.stopwatch = Stopwatch()
        self.progress: list[dict] = []
        self.evaluations: list[dict] = []
        self.best_eval = -math.inf
        self.started_at = now_iso()
        self.start_time = time.perf_counter()

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
        return HierarchicalPolicy(self.strategist, self.executor, trajectory=trajectory)

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
            self._update(self.strategist, np.stack(traj.obs_high), np.stack(traj.goal_logits), high_reward,
                         active[::period], traj.life, c.gamma**period)
            self._update(self.executor, np.stack(traj.obs_low), np.stack(traj.split_logits), low_reward, active,
                         traj.life, c.gamma)

    def _update(self, agent: ActorCritic, obs: np.ndarray, actions: np.ndarray, rewards: np.ndarray,
                valid: np.ndarray, life: np.ndarray, gamma: float) -> None:
        obs_t, valid_t = torch.from_numpy(obs), torch.from_numpy(valid)
        obs_t, actions_t = obs_t[valid_t], torch.from_numpy(np.asarray(actions, dtype=np.float32))[valid_t]
        agent.norm.update(obs_t)
        with torch.no_grad():  # one pass gives the old policy's log-probabilities and the values
            old_logprob, _, value = agent.score(obs_t, actions_t)
        values = torch.zeros(valid_t.shape).index_put_((valid_t,), value)
        advantages, returns = compute_gae(torch.from_numpy(rewards).float(), values, valid_t.float(),
                                          gamma, self.config.gae_lambda)
        advantages = center_on_siblings(advantages, valid_t, torch.from_numpy(life))
        stats = ppo_update(agent, self.optimizers[agent], obs_t, actions_t, old_logprob,
                           advantages[valid_t], returns[valid_t], self.ppo, self.generator)
        ensure_finite(stats, f"{type(agent).__name__} update")

    def anneal(self, done: int) -> None:
        """With `anneal_lr`, the learning rate falls linearly from `learning_rate` (no episode done) to 0."""
        if self.config.anneal_lr:
            for optimizer in self.optimizers.values():
                optimizer.lr = self.config.learning_rate * (1.0 - done / self.config.num_episodes)

    # --- checkpoints ---------------------------------------------------------------------------
    def evaluate(self, strategist: Strategist, executor: Executor, what: str) -> dict:
        """The metrics of the agents acting deterministically on this run's fixed evaluation households."""
        with self.stopwatch.section("evaluation"):
            return ensure_finite(
                score(self.scenario, self.checkpoint_events, hrl_policy(strategist, executor)).metrics(), what)

    def stored_best_score(self) -> float:
        """The avg_reward a new best must beat: the agents of the checkpoint_best/ an earlier run left,
        scored on this run's evaluation households. Rescoring them, rather than trusting the score in
        their metadata.json, keeps the comparison fair whatever changed since (the scenario's figures,
        `eval_episodes`, the code) and needs no metadata at all. A best that is missing, unreadable or
        no longer fits the scenario cannot be ranked: -inf, so this run's first evaluation replaces it."""
        try:
            agents = load_checkpoint(checkpoint_dir(self.scenario.name, "best", self.models_dir))
            return self.evaluate(*agents, "evaluation of the stored best checkpoint")["avg_reward"]
        except Exception:  # anything that stops it being scored makes it unrankable
            return -math.inf

    def evaluate_and_checkpoint(self, episode: int) -> None:
        """Score the deterministic policy on the fixed households; write the periodic checkpoint, and the
        best one when it beats every earlier evaluation, of this run or of earlier ones."""
        if not self.evaluations:
            self.best_eval = self.stored_best_score()
        metrics = self.evaluate(self.strategist, self.executor, f"evaluation at episode {episode}")
        record = {"episode": episode, **metrics}
        self.evaluations.append(record)
        self._save(f"episode_{episode}", record)
        if metrics["avg_reward"] > self.best_eval:
            self.best_eval = metrics["avg_reward"]
            self._save("best", record)

    def _save(self, label: str, evaluation: dict | None) -> None:
        with self.stopwatch.section("saving"):
            metadata = {"scenario_name": self.scenario.name, "label": label, "saved_at": now_iso(),
                        "seed": self.seed, "episodes_completed": len(self.progress), "evaluation": evaluation,
                        "config": self.config.to_dict()}
            save_checkpoint(checkpoint_dir(self.scenario.name, label, self.models_dir),
                            self.strategist, self.executor, metadata)

    def history(self, stopped: bool) -> dict:
        """Everything about the run, JSON-safe."""
        return {
            "scenario_name": self.scenario.name, "config": self.config.to_dict(), "seed": self.seed,
            "scenario": self.scenario.to_dict(),
            "versions": {"hrl_trainer": __version__, "python": platform.python_version(),
                         "numpy": np.__version__, "torch": torch.__version__},
            "started_at": self.started_at, "finished_at": now_iso(),
            "episodes_completed": len(self.progress), "total_episodes": self.config.num_episodes,
            "stopped": stopped, "final_metrics": self.final_metrics(),
            "progress": self.progress, "evaluations": self.evaluations,
            "timings": {name: round(seconds, 3) for name, seconds in self.stopwatch.seconds.items()},
        }

    def final_metrics(self) -> dict:
        return self.window.means() if self.progress else {}

    def finish(self, stopped: bool) -> None:
        """Write checkpoint_final/, then the two model files and the history as one set (nothing if no
        episode ran)."""
        if not self.progress:
            return
        self._save("final", self.evaluations[-1] if self.evaluations else None)
        with self.stopwatch.section("saving"):
            save_trained_models(self.scenario.name, self.strategist, self.executor, self.history(stopped),
                                self.models_dir)

    # --- the run -------------------------------------------------------------------------------
    def next_batch_size(self, done: int) -> int:
        """Households in the next rollout: about `num_envs`, in even batches that end exactly at the
        next save boundary (or the end of the run)."""
        interval = self.config.save_interval
        remaining = min(self.config.num_episodes - done, interval - done % interval)
        batches = max(1, round(remaining / self.config.num_envs))
        return math.ceil(remaining / batches)

    def run(self) -> TrainResult:
        """Train until `num_episodes` or until `should_stop()`; always leaves consistent files."""
        tidy_models_folder(self.scenario.name, self.models_dir)  # what a killed run of this scenario left
        total = self.config.num_episodes
        done, stopped = 0, False
        while done < total and not stopped:
            stopped = self.should_stop()
            if stopped:
                break
            households = self.next_batch_size(done)
            trajectory, stats = self.collect(households)
            self.anneal(done)
            self.learn(trajectory)
            for index in range(households):
                done += 1
                self.window.add(stats.metrics(index))
                record = self.window.progress(done, total, round(time.perf_counter() - self.start_time, 3))
                self.progress.append(record)
                self.on_progress(record)
                if self.should_stop():
                    stopped = True
                    break
            if done % self.config.save_interval == 0 and not stopped:
                self.evaluate_and_checkpoint(done)
        self.finish(stopped)
        return TrainResult(self.scenario.name, done, total, stopped, self.final_metrics())


def train(config: TrainConfig, on_progress: ProgressCallback | None = None,
          should_stop: StopCheck | None = None) -> TrainResult:
    """Train the Strategist and the Executor on `config.scenario_name` and write the model files."""
    return Trainer(config, on_progress, should_stop).run()
