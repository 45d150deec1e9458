"""Command line: `python -m hrl_trainer train | evaluate | tune | scenarios`."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import torch
from tqdm import tqdm

from .checkpoints import load_history, load_trained_models, model_paths
from .config import TrainConfig
from .evaluation import compare_with_baselines
from .flat import train_flat
from .metrics import METRIC_NAMES, TrainingError
from .scenarios import ScenarioError, ScenarioNotFound, list_scenarios, load_scenario
from .trainer import Trainer


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hrl_trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the Strategist and the Executor on a scenario")
    t.add_argument("--scenario", required=True)
    t.add_argument("--episodes", type=positive_int, default=1000)
    t.add_argument("--save-interval", type=positive_int, default=100)
    t.add_argument("--eval-episodes", type=positive_int, default=10)
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--models-dir")
    t.add_argument("--scenarios-dir")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="score a trained model against baselines on held-out households")
    e.add_argument("--scenario", required=True)
    e.add_argument("--episodes", type=positive_int, default=1000)
    e.add_argument("--models-dir")
    e.add_argument("--scenarios-dir")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    e.add_argument("--no-flat", action="store_true",
                   help="skip the flat PPO baseline (trained on the model's own budget and settings)")

    u = sub.add_parser("tune", help="search the training settings with Optuna (resumable, shareable study)")
    u.add_argument("--scenario", required=True)
    u.add_argument("--trials", type=positive_int, required=True, help="trials to add to the study")
    u.add_argument("--episodes", type=positive_int, default=1000, help="training budget of every trial")
    u.add_argument("--evaluations", type=positive_int, default=5, help="periodic evaluations seen by the pruner")
    u.add_argument("--eval-episodes", type=positive_int, default=50)
    u.add_argument("--seed", type=int, default=0)
    u.add_argument("--study", help="study name (default: the scenario); its file is <models>/tuning/<study>.sqlite3")
    u.add_argument("--models-dir")
    u.add_argument("--scenarios-dir")

    s = sub.add_parser("scenarios", help="list the scenarios")
    s.add_argument("--scenarios-dir")
    return parser


def format_table(rows: list[dict], columns: list[str]) -> str:
    """A plain text table; floats with two decimals."""
    cells = [[f"{r[c]:.2f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def tuned_values(metrics: dict) -> str:
    """A baseline's tuned split or rule numbers, short."""
    if "tuned" in metrics:
        return " ".join(f"{name}={value:g}" for name, value in metrics["tuned"].items())
    return str(metrics.get("split", ""))


def evaluation_table(report: dict) -> str:
    rows = []
    for name, metrics in report["policies"].items():
        diff = report["paired"].get(name)
        rows.append({"policy": name, **metrics, "tuned": tuned_values(metrics),
                     "hrl minus policy": f"{diff['diff']:+.2f} ± {diff['stderr']:.2f}" if diff else ""})
    columns = ["policy", *(m for m in METRIC_NAMES if m != "goal_adherence"), "tuned", "hrl minus policy"]
    return format_table(rows, columns)


def cmd_train(args: argparse.Namespace) -> int:
    config = TrainConfig(scenario_name=args.scenario, num_episodes=args.episodes, save_interval=args.save_interval,
                         eval_episodes=args.eval_episodes, seed=args.seed, models_dir=args.models_dir,
                         scenarios_dir=args.scenarios_dir)
    start = time.perf_counter()
    trainer = Trainer(config)  # loads the scenario: a bad one fails before the progress bar is drawn
    with tqdm(total=config.num_episodes, unit="ep", disable=args.quiet, file=sys.stderr) as bar:
        def on_progress(record: dict) -> None:
            bar.update(1)
            bar.set_postfix(reward=f"{record['avg_reward']:.1f}", stability=f"{record['stability']:.2f}", refresh=False)

        trainer.on_progress = on_progress
        result = trainer.run()
    seconds = time.perf_counter() - start
    print(f"Trained {result.scenario_name}: {result.episodes_completed} episodes in {seconds:.1f} s "
          f"({result.episodes_completed / seconds:.0f} episodes/s)")
    print(format_table([result.final_metrics], list(METRIC_NAMES)))
    for path in model_paths(result.scenario_name, args.models_dir).values():
        print(f"wrote {path}")
    return 0


def flat_config(history: dict) -> TrainConfig:
    """The settings, seed and budget (episodes completed) of the run a history describes, for the flat PPO."""
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    config = {k: v for k, v in history["config"].items() if k in known}
    return TrainConfig(**{**config, "num_episodes": history["episodes_completed"], "seed": history["seed"]})


def cmd_evaluate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.scenarios_dir)
    try:
        strategist, executor = load_trained_models(args.scenario, args.models_dir)
    except FileNotFoundError:
        raise ScenarioNotFound(f"No trained model for '{args.scenario}': run `python -m hrl_trainer train` first")
    flat = None if args.no_flat else train_flat(flat_config(load_history(args.scenario, args.models_dir)))
    report = compare_with_baselines(scenario, strategist, executor, episodes=args.episodes, flat_executor=flat)
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else evaluation_table(report))
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from optuna.trial import TrialState  # Optuna takes a second to import: only `tune` pays for it

    from .tuning import SearchSpec, study_path, tune

    load_scenario(args.scenario, args.scenarios_dir)  # a bad scenario fails before any trial
    spec = SearchSpec(args.scenario, args.episodes, args.evaluations, args.eval_episodes, args.seed, args.scenarios_dir)

    def on_trial(trial) -> None:
        value = "" if trial.value is None else f" {trial.value:.3f}"  # a pruned trial's: its last evaluation
        print(f"trial {trial.number}: {trial.state.name.lower()}{value} {trial.params}", flush=True)

    try:
        study = tune(spec, args.trials, args.study, args.models_dir, on_trial)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finished = [t for t in study.trials if t.state == TrialState.COMPLETE]
    print(f"study {study.study_name}: {len(study.trials)} trials ({len(finished)} complete) in "
          f"{study_path(study.study_name, args.models_dir)}")
    if not finished:
        print("no finished trial yet")
        return 0
    best = study.best_trial
    print(f"best trial {best.number}: tuning reward {best.value:.3f}, "
          f"held-out reward {best.user_attrs['held_out_reward']:.3f}")
    for name, value in best.params.items():
        print(f"  {name} = {value:.4g}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    rows = [load_scenario(name, args.scenarios_dir).to_dict() for name in list_scenarios(args.scenarios_dir)]
    columns = ["name", "monthly_income", "fixed_expenses", "variable_expenses_mean", "monthly_margin",
               "safety_buffer", "months", "description"]
    print(format_table(rows, columns))
    return 0


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "tune": cmd_tune, "scenarios": cmd_scenarios}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)  # one thread is as fast at this size and leaves the other core free
    try:
        return COMMANDS[args.command](args)
    except (ScenarioNotFound, ScenarioError, TrainingError, OSError) as exc:  # OSError: e.g. a full disk
        print(f"error: {exc}", file=sys.stderr)
        return 2
