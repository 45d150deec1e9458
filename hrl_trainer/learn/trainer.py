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

The loop only learns; what happens around it (progress records, checkpoints,
the run's folder, the held-out evaluation at the end, stopping) is done by
callbacks (`hrl_trainer.learn.callbacks`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from functools import cached_property

import numpy as np
import torch

from hrl_trainer.agents.networks import GOAL_DIM, ActorCritic, Executor, Strategist
from hrl_trainer.agents.policy import HierarchicalPolicy, buffer_target
from hrl_trainer.common.config import TrainConfig
from hrl_trainer.common.paths import resolve_models_dir
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.rollout import EpisodeStats, Stopwatch, Trajectory, run_episodes
from hrl_trainer.env.scenarios import load_scenario
from hrl_trainer.env.simulation import OBS_DIM, HouseholdBatch, LifeEvents
from hrl_trainer.evaluation.scoring import hrl_policy, score
from hrl_trainer.learn.callbacks import (
    ConvertCallback,
    MaybeCallback,
    OnEvent,
    OnProgress,
    ShouldStop,
    as_callback,
    run_callbacks,
)
from hrl_trainer.learn.metrics import DIAGNOSTIC_NAMES, METRIC_NAMES, ensure_finite
from hrl_trainer.learn.optim import Adam
from hrl_trainer.learn.outcome import TrainResult
from hrl_trainer.learn.ppo import PPOSettings, center_on_siblings, compute_gae, ppo_update
from hrl_trainer.store.runs import load_run_state, new_run_id


class Trainer:
    """Owns the agents and their optimisers, and runs the training loop; `callback` (with `on_progress`,
    `should_stop` and `on_event`, converted) watches it. With `write_run` (the default) the run is recorded as well:
    progress records, PPO diagnostics, periodic evaluations and checkpoints, the held-out evaluation and the run's
    folder (`run_callbacks`)."""

    def __init__(
        self,
        config: TrainConfig,
        on_progress: OnProgress | None = None,
        should_stop: ShouldStop | None = None,
        *,
        on_event: OnEvent | None = None,
        callback: MaybeCallback = None,
        write_run: bool = True,
    ):
        self.config = config
        self.scenario = load_scenario(config.scenario_name, config.scenarios_dir)
        self.models_dir = resolve_models_dir(config.models_dir)

        self.seed = config.seed if config.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
        self.rng = np.random.default_rng([self.seed, 0, 0])
        self.action_rng = np.random.default_rng([self.seed, 0, 1])  # the policies' draws while collecting
        torch.manual_seed(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)

        self.strategist = Strategist(OBS_DIM, config.hidden, config.high_period)
        self.executor = Executor(OBS_DIM + GOAL_DIM, config.hidden, design=config.executor_design)
        self.optimizers = {
            agent: Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
            for agent in (self.strategist, self.executor)
        }
        self.ppo = PPOSettings(
            config.clip_coef,
            config.ent_coef,
            config.vf_coef,
            config.update_epochs,
            config.num_minibatches,
            config.max_grad_norm,
        )
        self.update_stats: dict[str, dict[str, float]] = {}
        self.stopwatch = Stopwatch()
        self.start_time = time.perf_counter()
        self.run_id = config.run_id or new_run_id(self.scenario.name)
        self.episode_offset = 0  # episodes the parent of a resumed run had trained
        # where the loop is: what callbacks read
        self.episodes_done = 0
        self.rollout_stats: EpisodeStats  # of the rollout being reported (set by the loop)
        self.rollout_index = 0
        self.rollout_size = 0  # households of the rollout being reported
        self.update_index = 0  # PPO updates so far in this run (one per rollout, both agents)
        self.learned_episodes = 0  # episodes of this run the agents have learned from after the latest update
        self.phase = "training"  # or "evaluating", "saving" (`enter_phase`)
        self.stopped = False
        # the run's record, filled in by the callbacks
        self.progress: list[dict] = []
        self.evaluations: list[dict] = []
        self.held_out: dict = {}
        self.notes: list[str] = []
        self.diagnostics: dict[str, dict[str, list]] = {}
        """Per agent, the columns of its diagnostics records (`diagnostics_records`), one row per update."""
        self.publication: dict | None = None
        """The record of the run's publishing at its end (None: not published)."""
        if on_progress and not write_run:
            raise ValueError("on_progress needs the progress records of a written run (write_run=True)")
        functions = (
            ConvertCallback(on_progress, should_stop, on_event) if on_progress or should_stop or on_event else None
        )
        self.callback = as_callback(run_callbacks() if write_run else None, callback, functions)
        self.callback.init_callback(self)

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
                self._update(
                    self.strategist,
                    np.stack(traj.obs_high),
                    np.stack(traj.goal_logits),
                    high_reward,
                    active[::period],
                    traj.life,
                    c.gamma**period,
                )
            self._update(
                self.executor,
                np.stack(traj.obs_low),
                np.stack(traj.split_logits),
                low_reward,
                active,
                traj.life,
                c.gamma,
            )

    def _update(
        self,
        agent: ActorCritic,
        obs: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        valid: np.ndarray,
        life: np.ndarray,
        gamma: float,
    ) -> None:
        """PPO on one agent's (T, B) rollout: `obs` (T, B, D) normalised as the agent saw them, `actions`
        (T, B, A) the logits it drew, `rewards` and `valid` (T, B), `life` (B,). Nothing has changed the agent
        since it collected and it learns from the very inputs it acted on, so the log-probabilities and values
        it gives them now, before any step, are the behaviour policy's (the first ratio is exactly 1)."""
        obs_t, valid_t = torch.from_numpy(obs), torch.from_numpy(valid)
        obs_t, actions_t = obs_t[valid_t], torch.from_numpy(np.asarray(actions, dtype=np.float32))[valid_t]  # (N, .)
        with torch.no_grad():
            old_logprob, _, value = agent.score(obs_t, actions_t)  # (N,) each
        values = torch.zeros(valid_t.shape).index_put_((valid_t,), value)
        advantages, returns = compute_gae(
            torch.from_numpy(rewards).float(), values, valid_t.float(), gamma, self.config.gae_lambda
        )
        advantages = center_on_siblings(advantages, valid_t, torch.from_numpy(life))
        stats = ppo_update(
            agent,
            self.optimizers[agent],
            obs_t,
            actions_t,
            old_logprob,
            advantages[valid_t],
            returns[valid_t],
            self.ppo,
            self.generator,
            old_values=value,
        )
        self.update_stats[type(agent).__name__] = ensure_finite(stats, f"{type(agent).__name__} update")

    def anneal(self, done: int) -> None:
        """With `anneal_lr`, each learning rate falls linearly from `learning_rate` (no episode done) to 0: the
        Executor's at the end of the run, the Strategist's after `strategist_episodes` (or the run, if shorter)."""
        if self.config.anneal_lr:
            c = self.config
            for agent, horizon in (
                (self.strategist, min(c.strategist_episodes, c.num_episodes)),
                (self.executor, c.num_episodes),
            ):
                if agent in self.optimizers:
                    self.optimizers[agent].lr = c.learning_rate * max(0.0, 1.0 - done / horizon)

    # --- scores --------------------------------------------------------------------------------
    @cached_property
    def checkpoint_events(self) -> LifeEvents:
        """The run's fixed evaluation households (`eval_episodes` of evaluation's `checkpoint` stream)."""
        return fixed_households(self.scenario, self.config.eval_episodes, "checkpoint")

    def score_agents(self, strategist: Strategist, executor: Executor, events: LifeEvents, what: str) -> dict:
        """The metrics of the agents acting deterministically on the households of `events`."""
        with self.stopwatch.section("evaluation"):
            return ensure_finite(score(self.scenario, events, hrl_policy(strategist, executor)).metrics(), what)

    def evaluate(self, strategist: Strategist, executor: Executor, what: str) -> dict:
        """The metrics of the agents acting deterministically on this run's fixed evaluation households."""
        return self.score_agents(strategist, executor, self.checkpoint_events, what)

    def final_metrics(self) -> dict:
        """The means of the last progress record ({} if none)."""
        return {name: self.progress[-1][name] for name in METRIC_NAMES} if self.progress else {}

    def episode_metrics(self) -> dict:
        """The metrics of the household being reported (for `on_step`)."""
        return self.rollout_stats.metrics(self.rollout_index)

    def diagnostics_records(self) -> list[dict]:
        """The PPO diagnostics of the latest update (for `on_update`), one record per agent it updated (a Strategist
        done learning is not): `agent` ("strategist", "executor"), `update` (its number in this run), `episode` (the
        episodes the agents have learned from once this update's households are reported, counting a resumed run's
        parent) and `DIAGNOSTIC_NAMES`."""
        episode = self.episode_offset + self.learned_episodes
        return [
            {
                "agent": name.lower(),
                "update": self.update_index,
                "episode": episode,
                **{key: stats[key] for key in DIAGNOSTIC_NAMES},
            }
            for name, stats in self.update_stats.items()
        ]

    def enter_phase(self, phase: str, detail: dict | None = None) -> None:
        """What the trainer does next: "training", "evaluating" (`detail`: `households`, `purpose` "checkpoint" or
        "held_out") or "saving"; the callbacks hear of it (`on_phase`). Called by the callbacks that evaluate and
        save."""
        self.phase = phase
        self.callback.on_phase(phase, detail)

    # --- resuming ------------------------------------------------------------------------------
    def resume(self, run_id: str) -> None:
        """Continue from a run's final agents (networks and observation normalisers) and optimiser state; the
        Executor keeps the parent's design (`executor_design` becomes the parent's)."""
        strategist, executor, optimizer_state, parent = load_run_state(run_id, self.models_dir)
        if parent["scenario_name"] != self.scenario.name:
            raise ValueError(
                f"resume_from: run {run_id} trained '{parent['scenario_name']}', not '{self.scenario.name}'"
            )
        if executor.design != self.executor.design:  # the parent's Executor goes on as it was built
            self.config = dataclasses.replace(self.config, executor_design=executor.design)
            del self.optimizers[self.executor]
            self.executor = Executor(self.executor.obs_dim, self.config.hidden, design=executor.design)
            self.optimizers[self.executor] = Adam(self.executor.parameters(), lr=self.config.learning_rate, eps=1e-5)
        for agent, saved, key in ((self.strategist, strategist, "strategist"), (self.executor, executor, "executor")):
            agent.load_state_dict(saved.state_dict())
            if optimizer_state.get(key):
                self.optimizers[agent].load_state_dict(optimizer_state[key])
        self.episode_offset = int(parent.get("episodes_completed") or 0)

    # --- the run -------------------------------------------------------------------------------
    def next_batch_size(self, done: int) -> int:
        """Households in the next rollout: about `num_envs`, in even batches that end exactly at the
        next save boundary (or the end of the run)."""
        interval = self.config.save_interval
        remaining = min(self.config.num_episodes - done, interval - done % interval)
        batches = max(1, round(remaining / self.config.num_envs))
        return math.ceil(remaining / batches)

    def run(self) -> TrainResult:
        """Train until `num_episodes` or until a callback says stop. Raises `runlock.ScenarioLocked` at once if
        another process writes the scenario (the run folder's start); if anything raises after the start, the
        callbacks hear of it (`on_training_error`: the run's folder records the failure) and it is raised again."""
        self.callback.on_training_start()
        try:
            self._loop()
            self.callback.on_training_end()
        except BaseException as exc:
            self.callback.on_training_error(exc)
            raise
        offset = self.episode_offset
        return TrainResult(
            self.scenario.name,
            offset + self.episodes_done,
            offset + self.config.num_episodes,
            self.stopped,
            self.final_metrics(),
            self.held_out,
            self.publication,
        )

    def _loop(self) -> None:
        callback = self.callback
        while self.episodes_done < self.config.num_episodes:
            if not callback.on_rollout_start():
                self.stopped = True
                return
            households = self.next_batch_size(self.episodes_done)
            trajectory, self.rollout_stats = self.collect(households)
            self.anneal(self.episodes_done)
            self.update_stats.clear()
            self.learn(trajectory)
            self.update_index, self.rollout_size = self.update_index + 1, households
            self.learned_episodes = self.episodes_done + households
            callback.on_update()
            continue_training = True
            for index in range(households):  # every one, even after a stop: the agents learned from them all
                self.rollout_index = index
                self.episodes_done += 1
                continue_training = callback.on_step() and continue_training
            if not continue_training:
                self.stopped = True
                return
            callback.on_rollout_end()


def train(
    config: TrainConfig,
    on_progress: OnProgress | None = None,
    should_stop: ShouldStop | None = None,
    on_event: OnEvent | None = None,
) -> TrainResult:
    """Train the Strategist and the Executor on `config.scenario_name` and write the model files. `on_progress`
    hears of every episode, `should_stop` is asked whether to stop, `on_event(kind, payload)` hears of the rest:
    `("diagnostics", record)` per agent per PPO update, `("phase", {"phase", "phase_detail"})` when the trainer turns
    to evaluating or saving and back (see `hrl_trainer.learn.callbacks.ConvertCallback`)."""
    return Trainer(config, on_progress, should_stop, on_event=on_event).run()
