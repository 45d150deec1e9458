"""Searching the training settings with Optuna (`python -m hrl_trainer tune`).

Each trial trains the agents with settings drawn by the TPE sampler, reports every
periodic evaluation (on the `checkpoint` households) to the median pruner (from the second
evaluation on, once five trials have finished), and is scored
on the `tuning` households; the held-out score of every finished trial is recorded
beside it (never used to pick). Trials live in a SQLite file under the models folder,
`tuning/{study}.sqlite3`, so a search resumes where it stopped and several processes can
work on one study at once. A trial writes nothing but that file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import optuna

from hrl_trainer.common.config import HELD_OUT_HOUSEHOLDS, TUNING_HOUSEHOLDS, TrainConfig
from hrl_trainer.common.paths import resolve_models_dir, validate_name
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.evaluation.scoring import hrl_policy, score
from hrl_trainer.learn.callbacks import EvalCheckpointCallback, TrainerCallback
from hrl_trainer.learn.trainer import Trainer


def suggest_settings(trial: optuna.Trial) -> dict:
    """The searched part of TrainConfig: one draw of every training hyper-parameter."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 3e-3, log=True),
        "ent_coef": trial.suggest_float("ent_coef", 1e-4, 3e-2, log=True),
        "intrinsic_coef": trial.suggest_float("intrinsic_coef", 0.0, 0.5),
        "reward_scale": trial.suggest_float("reward_scale", 0.02, 0.5, log=True),
        "gae_lambda": trial.suggest_float("gae_lambda", 0.8, 0.99),
        "clip_coef": trial.suggest_float("clip_coef", 0.1, 0.3),
        "high_period": trial.suggest_categorical("high_period", [3, 6, 12]),
        "num_envs": trial.suggest_categorical("num_envs", [10, 25, 50]),
        "update_epochs": trial.suggest_int("update_epochs", 2, 8),
    }


@dataclass(frozen=True)
class SearchSpec:
    """What every trial of a study trains on."""

    scenario_name: str
    episodes: int = 1000
    evaluations: int = 5
    """Periodic evaluations reported to the pruner."""
    eval_episodes: int = 50
    seed: int = 0
    """Seed of every trial's training (the same luck for all settings) and of the sampler."""
    scenarios_dir: str | None = None


class TrialPruningCallback(TrainerCallback):
    """An Optuna trial told of each periodic evaluation: as `callback_after_eval` of an EvalCheckpointCallback, it
    reports the evaluation's mean reward at its episode, and stops training when the trial should be pruned."""

    def __init__(self, trial: optuna.Trial):
        super().__init__()
        self.trial, self.pruned = trial, False

    def _on_step(self) -> bool:
        evaluation = self.trainer.evaluations[-1]
        self.trial.report(evaluation["avg_reward"], evaluation["episode"])
        self.pruned = self.trial.should_prune()
        return not self.pruned


def run_trial(trial: optuna.Trial, spec: SearchSpec) -> float:
    """Train with the trial's settings; its value is the mean reward on the tuning households."""
    config = TrainConfig(
        spec.scenario_name,
        num_episodes=spec.episodes,
        save_interval=evaluation_interval(spec),
        eval_episodes=spec.eval_episodes,
        seed=spec.seed,
        scenarios_dir=spec.scenarios_dir,
        **suggest_settings(trial),
    )
    pruning = TrialPruningCallback(trial)
    trainer = Trainer(config, callback=EvalCheckpointCallback(callback_after_eval=pruning), write_run=False)
    trainer.run()
    if pruning.pruned:
        raise optuna.TrialPruned()
    policy = hrl_policy(trainer.strategist, trainer.executor)
    held_out = score(trainer.scenario, fixed_households(trainer.scenario, HELD_OUT_HOUSEHOLDS, "held_out"), policy)
    trial.set_user_attr("held_out_reward", float(held_out.reward.mean()))
    return float(
        score(trainer.scenario, fixed_households(trainer.scenario, TUNING_HOUSEHOLDS, "tuning"), policy).reward.mean()
    )


def study_path(study: str, models_dir: str | Path | None = None) -> Path:
    """The SQLite file of a study: `<models>/tuning/{study}.sqlite3`."""
    return resolve_models_dir(models_dir) / "tuning" / f"{validate_name(study)}.sqlite3"


def open_study(study: str, spec: SearchSpec, models_dir: str | Path | None = None) -> optuna.Study:
    """The study, created on first use, resumed afterwards (TPE sampler, median pruner)."""
    path = study_path(study, models_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.create_study(
        study_name=study,
        storage=f"sqlite:///{path}",
        load_if_exists=True,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=spec.seed + len(_trials_so_far(study, path))),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2 * evaluation_interval(spec)),
    )


def evaluation_interval(spec: SearchSpec) -> int:
    """Episodes between two periodic evaluations (the steps reported to the pruner are episode counts)."""
    return max(1, spec.episodes // spec.evaluations)


def _trials_so_far(study: str, path: Path) -> list:
    """Trials already stored (a resumed search must not replay the same sampler draws)."""
    if not path.exists():
        return []
    try:
        return optuna.load_study(study_name=study, storage=f"sqlite:///{path}").trials
    except KeyError:  # the file exists but holds no study of that name yet
        return []


def tune(
    spec: SearchSpec, trials: int, study: str | None = None, models_dir: str | Path | None = None, on_trial=None
) -> optuna.Study:
    """Run `trials` more trials of the study (named after the scenario unless given); returns it."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    opened = open_study(study or spec.scenario_name, spec, models_dir)
    stored = opened.user_attrs.get("spec")
    if stored is None:
        opened.set_user_attr("spec", asdict(spec))
    elif stored != asdict(spec):
        raise ValueError(
            f"study {opened.study_name!r} was searched with {stored}; resume it with the same "
            "scenario, episodes, evaluations, eval episodes and seed, or name a new study"
        )
    callbacks = [lambda s, t: on_trial(t)] if on_trial else []
    opened.optimize(lambda trial: run_trial(trial, spec), n_trials=trials, callbacks=callbacks)
    return opened
