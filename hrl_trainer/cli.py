"""Command line: `python -m hrl_trainer train | evaluate | simulate | scenarios`."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable

import torch
from tqdm import tqdm

from .checkpoints import IncompatibleModel, load_trained_models, model_paths
from .config import DEFAULT_EPISODES, DEFAULT_EVAL_EPISODES, DEFAULT_SAVE_INTERVAL, SETTING_BOUNDS, TrainConfig
from .evaluation import compare_with_baselines
from .interrupts import Aborted, StopOnSignals, exit_status
from .metrics import METRIC_NAMES, TrainingError
from .paths import check_writable_folder, resolve_models_dir
from .scenarios import Scenario, ScenarioError, ScenarioNotFound, list_scenarios, load_scenario
from .trainer import Trainer, TrainResult


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (no upper bound if None), with a plain message."""
    if low == 1:
        wanted = "a positive integer" + (f" (at most {high})" if high is not None else "")
    else:
        wanted = f"an integer from {low} to {high}" if high is not None else f"an integer of at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


positive_int = bounded_int(1)


def setting(name: str) -> Callable[[str], int]:
    """The argparse type of a run setting, with the bounds the API uses (`config.SETTING_BOUNDS`)."""
    return bounded_int(*SETTING_BOUNDS[name])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hrl_trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the Strategist and the Executor on a scenario",
                       description="Train the Strategist and the Executor on a scenario and write the model files. "
                                   "Ctrl-C or SIGTERM stops like the API's stop (the batch is finished and saved, "
                                   "exit status 130 or 143); a second Ctrl-C aborts at once.")
    low, high = SETTING_BOUNDS["num_episodes"]
    t.add_argument("--scenario", required=True, help="scenario name (required; `scenarios` lists them)")
    t.add_argument("--episodes", type=setting("num_episodes"), default=DEFAULT_EPISODES,
                   help=f"households (episodes) to train on, {low} to {high} (default: {DEFAULT_EPISODES})")
    t.add_argument("--save-interval", type=setting("save_interval"), default=DEFAULT_SAVE_INTERVAL,
                   help=f"evaluate and write checkpoint_episode_N/ every this many episodes "
                        f"(default: {DEFAULT_SAVE_INTERVAL})")
    low, high = SETTING_BOUNDS["eval_episodes"]
    t.add_argument("--eval-episodes", type=setting("eval_episodes"), default=DEFAULT_EVAL_EPISODES,
                   help=f"households of each periodic evaluation, {low} to {high} (default: {DEFAULT_EVAL_EPISODES})")
    low, high = SETTING_BOUNDS["seed"]
    t.add_argument("--seed", type=setting("seed"), default=None,
                   help=f"seed of every random draw, {low} to {high} (default: a random one, recorded in the history)")
    t.add_argument("--models-dir", help="models folder (default: $HRL_MODELS_DIR, else <project>/models)")
    t.add_argument("--scenarios-dir", help="scenarios folder (default: $HRL_SCENARIOS_DIR, else <project>/scenarios)")
    t.add_argument("--quiet", action="store_true", help="no progress bar (default: a progress bar on stderr)")

    e = sub.add_parser("evaluate", help="score a trained model against baselines on held-out households")
    e.add_argument("--scenario", required=True)
    e.add_argument("--episodes", type=positive_int, default=1000)
    e.add_argument("--models-dir")
    e.add_argument("--scenarios-dir")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    m = sub.add_parser("simulate", help="simulate a trained model and the baselines on the same households, in euros")
    m.add_argument("--scenario", required=True)
    m.add_argument("--run", help="a training run's id (default: the scenario's published model)")
    m.add_argument("--households", type=positive_int, default=1000)
    m.add_argument("--months", type=positive_int, help="default: the scenario's horizon")
    m.add_argument("--seed", type=int)
    m.add_argument("--models-dir")
    m.add_argument("--scenarios-dir")
    m.add_argument("--json", action="store_true", help="print the whole result as one JSON object")

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


def scenario_or_choices(name: str, scenarios_dir: str | None) -> Scenario:
    """Load scenario `name`; an unknown one raises ScenarioNotFound listing the available scenarios."""
    try:
        return load_scenario(name, scenarios_dir)
    except ScenarioNotFound as exc:
        choices = ", ".join(list_scenarios(scenarios_dir)) or "none"
        raise ScenarioNotFound(f"{exc}; available: {choices}") from None


def train_summary(result: TrainResult, seconds: float, window: int) -> str:
    """The closing summary: the held-out evaluation first, then the training figures."""
    heldout = result.heldout
    return "\n".join([
        f"Held-out evaluation of {result.scenario_name}: {heldout['households']} households never trained on",
        format_table([heldout], list(heldout)),
        f"Trained {result.scenario_name}: {result.episodes_completed} episodes in {seconds:.1f} s "
        f"({result.episodes_completed / seconds:.0f} episodes/s); mean of the last {window} training episodes:",
        format_table([result.final_metrics], list(METRIC_NAMES)),
    ])


def cmd_train(args: argparse.Namespace) -> int:
    check_writable_folder(resolve_models_dir(args.models_dir))  # now, not after minutes of training
    scenario_or_choices(args.scenario, args.scenarios_dir)
    config = TrainConfig(scenario_name=args.scenario, num_episodes=args.episodes, save_interval=args.save_interval,
                         eval_episodes=args.eval_episodes, seed=args.seed, models_dir=args.models_dir,
                         scenarios_dir=args.scenarios_dir)
    start = time.perf_counter()
    with StopOnSignals() as signals:
        trainer = Trainer(config, should_stop=signals.should_stop)
        with tqdm(total=config.num_episodes, unit="ep", disable=args.quiet, file=sys.stderr) as bar:
            def on_progress(record: dict) -> None:
                bar.update(1)
                bar.set_postfix(reward=f"{record['avg_reward']:.1f}", stability=f"{record['stability']:.2f}",
                                refresh=False)

            trainer.on_progress = on_progress
            result = trainer.run()
    seconds = time.perf_counter() - start
    if result.episodes_completed:
        print(train_summary(result, seconds, config.metrics_window))
        for path in model_paths(result.scenario_name, args.models_dir).values():
            print(f"wrote {path}")
    for note in trainer.notes:
        print(f"note: {note}")
    if signals.received is None:
        return 0
    saved = ("saved checkpoint_final/ and the model files" if result.episodes_completed
             else "nothing to save, the previous model files are untouched")
    print(f"Stopped by {signals.name} after {result.episodes_completed} of {result.total_episodes} episodes: {saved}",
          file=sys.stderr)
    return exit_status(signals.received)


def cmd_evaluate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.scenarios_dir)
    try:
        strategist, executor = load_trained_models(args.scenario, args.models_dir)
    except FileNotFoundError:
        raise ScenarioNotFound(f"No trained model for '{args.scenario}': run `python -m hrl_trainer train` first")
    report = compare_with_baselines(scenario, strategist, executor, episodes=args.episodes)
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else evaluation_table(report))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .model_lookup import ModelNotFound, resolve_agents
    from .simulations import simulate, simulation_table

    scenario = load_scenario(args.scenario, args.scenarios_dir)
    try:
        strategist, executor = resolve_agents(args.scenario, args.run, args.models_dir)
    except ModelNotFound as exc:
        raise ScenarioNotFound(str(exc)) from None
    result = simulate(scenario, strategist, executor, households=args.households, seed=args.seed, months=args.months)
    print(json.dumps(result, allow_nan=False) if args.json else simulation_table(result))
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    rows = [load_scenario(name, args.scenarios_dir).to_dict() for name in list_scenarios(args.scenarios_dir)]
    columns = ["name", "monthly_income", "fixed_expenses", "variable_expenses_mean", "monthly_margin",
               "safety_buffer", "months", "description"]
    print(format_table(rows, columns))
    return 0


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "simulate": cmd_simulate, "scenarios": cmd_scenarios}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)  # one thread is as fast at this size and leaves the other core free
    try:
        return COMMANDS[args.command](args)
    except (ScenarioNotFound, ScenarioError, TrainingError, IncompatibleModel, OSError) as exc:  # OSError: a full disk
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Aborted as exc:
        print(f"error: {exc}: the model files and checkpoint_final/ were not written", file=sys.stderr)
        return exit_status(exc.signum)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return exit_status(signal.SIGINT)
