"""The training loop's callbacks (Stable-Baselines3's protocol), and learning unchanged by them: the agents,
scores and files of short seeded runs are those the trainer made before it had callbacks (main at 1e7031a)."""

import json

import pytest

from hrl_trainer import TrainConfig, train
from hrl_trainer.learn.callbacks import CallbackList, EvalCheckpointCallback, TrainerCallback
from hrl_trainer.learn.flat import train_flat
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.learn.tuning import TrialPruningCallback
from hrl_trainer.store.checkpoints import load_trained_models, model_paths
from hrl_trainer.store.runlock import ScenarioLocked
from tests.hrl_trainer.helpers import METRICS, RUN_FILES, small

# Recorded with main's trainer (1e7031a, before callbacks) under these tests' conftest (one torch thread).
BEFORE = {
    "params": 4232.625438410296,
    "final_avg_reward": 10.184797270714242,
    "heldout_avg_reward": -0.6644120636052329,
    "evaluations": [11.035543489806352, 11.008471046384706, 10.994980697337562],
    "should_stop_calls": 33,
    "flat_params": 3600.0525367335376,
    "pruned_trial_reports": [(10, 10.97674686271508)],
}
"""Another thread count or CPU moves these in the 8th digit; one random draw more or less, in the 1st or 2nd."""
CLOSE = 1e-6

FILES = {
    "history.json": [
        "scenario_name",
        "run_id",
        "parent",
        "config",
        "seed",
        "scenario",
        "versions",
        "started_at",
        "finished_at",
        "episode_offset",
        "episodes_completed",
        "total_episodes",
        "stopped",
        "final_metrics",
        "held_out",
        "notes",
        "progress",
        "diagnostics",  # added with the PPO diagnostics (issue 22)
        "evaluations",
        "timings",
    ],
    "run.json": [
        "run_id",
        "scenario_name",
        "status",
        "started_at",
        "finished_at",
        "episodes_completed",
        "total_episodes",
        "seed",
        "settings",
        "final_metrics",
        "held_out",
        "parent",
        "episode_offset",
    ],
    "config.json": ["config", "seed", "scenario", "versions"],
    "checkpoints/checkpoint_best/metadata.json": [
        "scenario_name",
        "run_id",
        "label",
        "saved_at",
        "seed",
        "episodes_completed",
        "evaluation",
        "config",
    ],
}
RECORD = ["episode", "total_episodes", *METRICS, "elapsed_time"]


def param_sum(*agents) -> float:
    return sum(float(value.double().sum()) for agent in agents for value in agent.state_dict().values())


class FakeTrial:
    """What TrialPruningCallback uses of an optuna.Trial: pruned once `prune_after` reports were made."""

    def __init__(self, prune_after: int):
        self.reports, self.prune_after = [], prune_after

    def report(self, value: float, step: int) -> None:
        self.reports.append((step, value))

    def should_prune(self) -> bool:
        return len(self.reports) >= self.prune_after


class Recorder(TrainerCallback):
    """Records every call; says stop at its `stop_at`-th step (and at every later one)."""

    def __init__(self, stop_at: int | None = None, raise_at: int | None = None):
        super().__init__()
        self.calls, self.stop_at, self.raise_at = [], stop_at, raise_at

    def _on_training_start(self) -> None:
        self.calls.append("training_start")

    def _on_rollout_start(self) -> bool:
        self.calls.append("rollout_start")
        return True

    def _on_step(self) -> bool:
        self.calls.append(f"step {self.trainer.episodes_done}")
        if self.n_calls == self.raise_at:
            raise RuntimeError("boom")
        return self.stop_at is None or self.n_calls < self.stop_at

    def _on_rollout_end(self) -> None:
        self.calls.append("rollout_end")

    def _on_training_end(self) -> None:
        self.calls.append("training_end")

    def _on_training_error(self, error: BaseException) -> None:
        self.calls.append(f"error {error}")


def rollout(first: int, households: int, end: bool = True) -> list[str]:
    return ["rollout_start", *(f"step {n}" for n in range(first, first + households))] + (
        ["rollout_end"] if end else []
    )


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    calls = []
    result = train(
        small(models, num_episodes=30, save_interval=10, eval_episodes=3, held_out_episodes=10, seed=11),
        should_stop=lambda: calls.append(1) and False,
    )
    return models, result, len(calls)


def test_a_seeded_run_learns_exactly_as_before_callbacks(seeded_run):
    models, result, should_stop_calls = seeded_run
    history = json.loads((models / "torino_single_history.json").read_text())
    assert param_sum(*load_trained_models("torino_single", models)) == pytest.approx(BEFORE["params"], rel=CLOSE)
    assert [e["avg_reward"] for e in history["evaluations"]] == pytest.approx(BEFORE["evaluations"], rel=CLOSE)
    assert result.final_metrics["avg_reward"] == pytest.approx(BEFORE["final_avg_reward"], rel=CLOSE)
    assert result.held_out["avg_reward"] == pytest.approx(BEFORE["heldout_avg_reward"], rel=CLOSE)
    assert should_stop_calls == BEFORE["should_stop_calls"]  # before each rollout and after each household
    assert param_sum(train_flat(small(num_episodes=30, seed=11))) == pytest.approx(BEFORE["flat_params"], rel=CLOSE)


def test_the_run_folder_has_the_files_and_keys_it_had_before_callbacks(seeded_run):
    models, _, _ = seeded_run
    (run,) = (models / "runs").iterdir()
    assert sorted(str(p.relative_to(run)) for p in run.rglob("*.*")) == sorted(
        [
            *(
                f"checkpoints/checkpoint_{label}/{name}"
                for label in ("best", "episode_10", "episode_20", "episode_30", "final")
                for name in ("high_agent.pt", "low_agent.pt", "metadata.json")
            ),
            *RUN_FILES,
        ]
    )
    for name, keys in FILES.items():
        assert list(json.loads((run / name).read_text())) == keys, name
    history = json.loads((run / "history.json").read_text())
    assert all(list(record) == RECORD for record in history["progress"]) and len(history["progress"]) == 30
    assert list(history["timings"]) == ["forward", "simulation", "update", "evaluation", "saving"]


def test_a_pruned_trial_reports_what_it_reported_before_callbacks():
    trial = FakeTrial(prune_after=1)
    config = TrainConfig(
        "torino_single",
        num_episodes=30,
        save_interval=10,
        eval_episodes=3,
        seed=0,
        learning_rate=1e-3,
        ent_coef=1e-2,
        intrinsic_coef=0.1,
        reward_scale=0.1,
        gae_lambda=0.9,
        clip_coef=0.2,
        high_period=6,
        num_envs=10,
        update_epochs=3,
    )
    pruning = TrialPruningCallback(trial)
    trainer = Trainer(config, callback=EvalCheckpointCallback(callback_after_eval=pruning), write_run=False)
    result = trainer.run()
    assert trial.reports == [(step, pytest.approx(value, rel=CLOSE)) for step, value in BEFORE["pruned_trial_reports"]]
    assert pruning.pruned and result.stopped and result.episodes_completed == 10


def test_the_loop_calls_each_hook_in_order_once_per_household_and_writes_nothing_by_itself(tmp_path):
    recorder = Recorder()
    result = Trainer(small(tmp_path / "models", num_envs=3), callback=recorder, write_run=False).run()
    assert recorder.calls == [
        "training_start",
        *rollout(1, 3),
        *rollout(4, 3),
        *rollout(7, 3),
        *rollout(10, 3),
        "training_end",
    ]
    assert recorder.n_calls == result.episodes_completed == 12 and not result.stopped
    assert result.final_metrics == {} and result.held_out == {}  # no progress records, no held-out evaluation
    assert not (tmp_path / "models").exists()
    with pytest.raises(ValueError, match="on_progress"):
        Trainer(small(), on_progress=print, write_run=False)  # no records to report


def test_every_callback_runs_after_one_says_stop_and_training_stops_at_the_end_of_the_rollout():
    stopper, watcher = Recorder(stop_at=2), Recorder()
    trainer = Trainer(small(num_envs=3), callback=[stopper, watcher], write_run=False)
    result = trainer.run()
    assert watcher.calls == stopper.calls == ["training_start", *rollout(1, 3, end=False), "training_end"]
    assert result.stopped and result.episodes_completed == 3


def test_a_stop_before_the_first_rollout_trains_nothing():
    class NotEvenOnce(Recorder):
        def _on_rollout_start(self) -> bool:
            return False

    result = Trainer(small(), callback=CallbackList([NotEvenOnce(), watcher := Recorder()]), write_run=False).run()
    assert result.stopped and result.episodes_completed == 0
    assert watcher.calls == ["training_start", "rollout_start", "training_end"]


def test_the_new_best_callback_runs_on_each_new_best_only_and_can_stop_training(monkeypatch):
    scores = iter([1.0, 0.5, 3.0, 5.0])
    monkeypatch.setattr(Trainer, "evaluate", lambda self, strategist, executor, what: {"avg_reward": next(scores)})
    on_best, after_eval = Recorder(stop_at=2), Recorder()
    evaluation = EvalCheckpointCallback(callback_on_new_best=on_best, callback_after_eval=after_eval)
    trainer = Trainer(small(num_episodes=40, save_interval=10), callback=evaluation, write_run=False)
    result = trainer.run()
    assert [e["episode"] for e in trainer.evaluations] == [10, 20, 30]  # 3.0 at 30 is the second best: stop
    assert (on_best.n_calls, after_eval.n_calls, evaluation.best_mean_reward) == (2, 3, 3.0)
    assert on_best.parent is evaluation and evaluation.last_evaluation == {"episode": 30, "avg_reward": 3.0}
    assert result.stopped and result.episodes_completed == 30


def test_the_pruning_callback_reports_every_evaluation_until_the_trial_is_pruned():
    trial = FakeTrial(prune_after=2)
    pruning = TrialPruningCallback(trial)
    trainer = Trainer(
        small(num_episodes=40, save_interval=10),
        write_run=False,
        callback=EvalCheckpointCallback(callback_after_eval=pruning),
    )
    result = trainer.run()
    assert trial.reports == [(e["episode"], e["avg_reward"]) for e in trainer.evaluations]
    assert [step for step, _ in trial.reports] == [10, 20] and pruning.pruned
    assert result.stopped and result.episodes_completed == 20


def test_an_error_in_a_callback_fails_the_run_tells_every_callback_and_frees_the_scenario(models_dir):
    failing, watcher = Recorder(raise_at=5), Recorder()
    trainer = Trainer(small(models_dir), callback=[failing, watcher])
    with pytest.raises(RuntimeError, match="boom"):
        trainer.run()
    summary = json.loads((models_dir / "runs" / trainer.run_id / "run.json").read_text())
    assert (summary["status"], summary["error"]) == ("failed", "RuntimeError: boom")
    assert failing.calls[-2:] == ["step 5", "error boom"] and watcher.calls[-2:] == ["step 4", "error boom"]
    assert not model_paths("torino_single", models_dir)["high_agent"].exists()
    try:
        assert train(small(models_dir)).episodes_completed == 12  # the scenario's lock was released
    except ScenarioLocked:
        pytest.fail("the failed run kept the scenario's lock")
