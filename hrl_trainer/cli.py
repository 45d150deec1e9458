"""Command line: `python -m hrl_trainer train | evaluate | runs | scenarios`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from . import runs
from .adoption import adopt_models_folder
from .checkpoints import agent_from_bytes, load_trained_models, model_paths
from .config import MAX_KEEP_CHECKPOINTS, TrainConfig
from .evaluation import compare_with_baselines
from .metrics import METRIC_NAMES, TrainingError
from .runlock import ScenarioLocked
from .scenarios import Scenario, ScenarioError, ScenarioNotFound, list_scenarios, load_scenario, scenario_from_dict
from .trainer import Trainer


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def keep_count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_KEEP_CHECKPOINTS:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to {MAX_KEEP_CHECKPOINTS}")
    return value


def run_id_arg(text: str) -> str:
    try:
        return runs.validate_run_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hrl_trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the Strategist and the Executor on a scenario")
    t.add_argument("--scenario", required=True)
    t.add_argument("--episodes", type=positive_int, default=1000)
    t.add_argument("--save-interval", type=positive_int, default=100)
    t.add_argument("--eval-episodes", type=positive_int, default=10)
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--keep-checkpoints", type=keep_count, default=TrainConfig.keep_checkpoints,
                   help="periodic checkpoint folders to keep, the newest (default: %(default)s); best and final stay")
    t.add_argument("--resume", type=run_id_arg, metavar="RUN_ID",
                   help="continue a finished or stopped run of the scenario (agents, normalisers, optimiser state)")
    t.add_argument("--models-dir")
    t.add_argument("--scenarios-dir")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="score a trained model against baselines on held-out households")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", help="the scenario's published model")
    which.add_argument("--run", metavar="ZIP_OR_ID", help="a run: its id, or a zip from GET /api/runs/{id}/archive")
    e.add_argument("--episodes", type=positive_int, default=1000)
    e.add_argument("--models-dir")
    e.add_argument("--scenarios-dir")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    r = sub.add_parser("runs", help="list the runs, newest first")
    r.add_argument("--scenario", help="only this scenario's runs")
    r.add_argument("--models-dir")

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


def evaluation_table(report: dict) -> str:
    rows = []
    for name, metrics in report["policies"].items():
        diff = report["paired"].get(name)
        rows.append({"policy": name, **metrics, "split": metrics.get("split", ""),
                     "hrl minus policy": f"{diff['diff']:+.2f} ± {diff['stderr']:.2f}" if diff else ""})
    columns = ["policy", *(m for m in METRIC_NAMES if m != "goal_adherence"), "split", "hrl minus policy"]
    return format_table(rows, columns)


def cmd_train(args: argparse.Namespace) -> int:
    config = TrainConfig(scenario_name=args.scenario, num_episodes=args.episodes, save_interval=args.save_interval,
                         eval_episodes=args.eval_episodes, seed=args.seed, models_dir=args.models_dir,
                         scenarios_dir=args.scenarios_dir, keep_checkpoints=args.keep_checkpoints,
                         resume_from=args.resume)
    if args.resume:
        try:
            runs.resume_point(args.resume, args.scenario, args.models_dir)
        except ValueError as exc:
            raise ScenarioError("--resume", {"resume": [str(exc)]}) from None
    start = time.perf_counter()
    trainer = Trainer(config)  # loads the scenario: a bad one fails before the progress bar is drawn
    print(f"run {trainer.run_id}" + (f" (resuming {args.resume})" if args.resume else ""), flush=True)
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


def run_to_evaluate(args: argparse.Namespace) -> tuple:
    """(scenario, strategist, executor) of `--run`: a zip made by the archive endpoint (scored on the
    scenario figures it was trained on), or the id of a run in the models folder."""
    if args.run.endswith(".zip") or Path(args.run).is_file():
        try:
            files = runs.read_archive(Path(args.run).read_bytes())
        except ValueError as exc:
            raise ScenarioError(f"{args.run}", {"run": [str(exc)]}) from None
        config = json.loads(files[runs.CONFIG_FILE])
        figures = {key: value for key, value in (config.get("scenario") or {}).items() if key in Scenario.__dataclass_fields__}
        scenario = scenario_from_dict(figures) if figures else \
            load_scenario(json.loads(files[runs.SUMMARY_FILE])["scenario_name"], args.scenarios_dir)
        return scenario, agent_from_bytes(files["high_agent.pt"]), agent_from_bytes(files["low_agent.pt"])
    try:
        strategist, executor = runs.load_run_agents(runs.validate_run_id(args.run), args.models_dir)
    except ValueError as exc:
        raise ScenarioNotFound(f"--run: {exc}") from None
    except runs.RunNotFound as exc:
        raise ScenarioNotFound(str(exc)) from None
    return load_scenario(runs.run_scenario(args.run), args.scenarios_dir), strategist, executor


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.run:
        scenario, strategist, executor = run_to_evaluate(args)
    else:
        scenario = load_scenario(args.scenario, args.scenarios_dir)
        try:
            strategist, executor = load_trained_models(args.scenario, args.models_dir)
        except FileNotFoundError:
            raise ScenarioNotFound(f"No trained model for '{args.scenario}': run `python -m hrl_trainer train` first")
    report = compare_with_baselines(scenario, strategist, executor, episodes=args.episodes)
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else evaluation_table(report))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    adopt_models_folder(args.models_dir)
    listed, _ = runs.list_runs(args.models_dir, scenario_name=args.scenario)
    rows = [{"run_id": r["run_id"], "status": r["status"], "episodes": r.get("episodes_completed"), "seed": r.get("seed"),
             "started": r.get("started_at"), "reward": (r.get("final_metrics") or {}).get("avg_reward"),
             "held-out": (r.get("held_out") or {}).get("avg_reward"), "published": "*" if r["published"] else "",
             "parent": r.get("parent") or ""} for r in listed]
    columns = ["run_id", "status", "episodes", "seed", "started", "reward", "held-out", "published", "parent"]
    print(format_table(rows, columns) if rows else "no runs")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    rows = [load_scenario(name, args.scenarios_dir).to_dict() for name in list_scenarios(args.scenarios_dir)]
    columns = ["name", "monthly_income", "fixed_expenses", "variable_expenses_mean", "monthly_margin",
               "safety_buffer", "months", "description"]
    print(format_table(rows, columns))
    return 0


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "runs": cmd_runs, "scenarios": cmd_scenarios}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)  # one thread is as fast at this size and leaves the other core free
    try:
        return COMMANDS[args.command](args)
    except (ScenarioNotFound, ScenarioError, TrainingError, ScenarioLocked, runs.RunNotFound,
            OSError) as exc:  # OSError: e.g. a full disk
        print(f"error: {exc}", file=sys.stderr)
        return 2
