"""Command line: `python -m hrl_trainer train | evaluate | tune | simulate | advise | runs | scenarios`.

Every option the API also takes has the API's bounds, read from their one home (`config.py`); a value
out of them exits with status 2 at once, naming the option."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from hrl_trainer.cli.interrupts import Aborted, StopOnSignals, exit_status
from hrl_trainer.common.config import (
    ADVICE_BOUNDS,
    DEFAULT_EPISODES,
    DEFAULT_EVAL_EPISODES,
    DEFAULT_HOUSEHOLDS,
    DEFAULT_PUBLISH,
    DEFAULT_SAVE_INTERVAL,
    HELD_OUT_HOUSEHOLDS,
    MAX_BALANCE,
    MAX_HOUSEHOLD_MONTHS,
    MAX_KEEP_CHECKPOINTS,
    PUBLISH_POLICIES,
    RUN_NAME_MAX_LENGTH,
    RUN_NOTES_MAX_LENGTH,
    RUN_TAGS_MAX,
    SETTING_BOUNDS,
    SIMULATION_BOUNDS,
    TrainConfig,
    simulation_size_error,
)
from hrl_trainer.common.errors import FieldErrors
from hrl_trainer.common.paths import check_writable_folder, resolve_models_dir
from hrl_trainer.env.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioNotFound,
    list_scenarios,
    load_scenario,
    scenario_from_dict,
)
from hrl_trainer.evaluation.scoring import compare_with_baselines
from hrl_trainer.evaluation.verdict import verdict
from hrl_trainer.learn.metrics import METRIC_NAMES, TrainingError
from hrl_trainer.learn.trainer import Trainer, TrainResult
from hrl_trainer.store import runs
from hrl_trainer.store.adoption import adopt_models_folder
from hrl_trainer.store.checkpoints import IncompatibleModel, agent_from_bytes, load_trained_models, model_paths
from hrl_trainer.store.labels import TAG_RULE
from hrl_trainer.store.model_lookup import ModelNotFound, model_reference, resolve_agents
from hrl_trainer.store.runlock import ScenarioLocked
from hrl_trainer.use.advice import AdviceError, advise
from hrl_trainer.use.flat_store import FlatUnavailable
from hrl_trainer.use.flat_store import flat_baseline as stored_flat
from hrl_trainer.use.simulations import simulate, simulation_table


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


def setting(name: str, bounds: dict[str, tuple[int, int]] = SETTING_BOUNDS) -> Callable[[str], int]:
    """The argparse type of option `name`, with the bounds the API uses (`config.SETTING_BOUNDS`, or `bounds`)."""
    return bounded_int(*bounds[name])


def add_setting(
    parser: argparse.ArgumentParser,
    flag: str,
    name: str,
    help: str,
    bounds: dict[str, tuple[int, int]] = SETTING_BOUNDS,
    **options: Any,
) -> None:
    """Add option ``flag`` of setting ``name`` with the API's bounds; ``help`` may name ``{low}`` and ``{high}``."""
    low, high = bounds[name]
    parser.add_argument(flag, type=setting(name, bounds), help=help.format(low=low, high=high), **options)


def add_folders(parser: argparse.ArgumentParser) -> None:
    """The models and scenarios folders' options (defaults: $HRL_MODELS_DIR / $HRL_SCENARIOS_DIR, else the project's)."""
    parser.add_argument("--models-dir")
    parser.add_argument("--scenarios-dir")


def add_model_choice(parser: argparse.ArgumentParser) -> None:
    """Which model: a scenario's published one, or one of its runs."""
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--run", type=run_id_arg, help="a training run's id (default: the scenario's published model)")
    add_folders(parser)


keep_count = bounded_int(0, MAX_KEEP_CHECKPOINTS)


def balance(text: str) -> float:
    """An argparse type: euros from 0 to `config.MAX_BALANCE`, as the advice API takes them."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_BALANCE:  # also NaN
        raise argparse.ArgumentTypeError(f"must be a number of euros from 0 to {MAX_BALANCE:.0f}, got {text!r}")
    return value


class OptionError(ValueError):
    """An option's value that only the scenario shows to be out of bounds (exit status 2, as argparse's)."""

    def __init__(self, option: str, message: str):
        super().__init__(f"argument {option}: {message}")


def check_simulation_size(option: str, households: int, months: int) -> None:
    """OptionError naming `option` when `households` x `months` is more than one simulation may hold."""
    error = simulation_size_error(households, months)
    if error:
        raise OptionError(option, error)


def run_id_arg(text: str) -> str:
    try:
        return runs.validate_run_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} Got {text!r}.") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hrl_trainer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser(
        "train",
        help="train the Strategist and the Executor on a scenario",
        description="Train the Strategist and the Executor on a scenario and write the model files. "
        "Ctrl-C or SIGTERM stops like the API's stop (the batch is finished and saved, "
        "exit status 130 or 143); a second Ctrl-C aborts at once.",
    )
    t.add_argument("--scenario", required=True, help="scenario name (required; `scenarios` lists them)")
    add_setting(
        t,
        "--episodes",
        "num_episodes",
        "households (episodes) to train on, {low} to {high} (default: %(default)s)",
        default=DEFAULT_EPISODES,
    )
    t.add_argument(
        "--save-interval",
        type=setting("save_interval"),
        default=DEFAULT_SAVE_INTERVAL,
        help=f"evaluate and write checkpoint_episode_N/ every this many episodes (default: {DEFAULT_SAVE_INTERVAL})",
    )
    add_setting(
        t,
        "--eval-episodes",
        "eval_episodes",
        "households of each periodic evaluation, {low} to {high} (default: %(default)s)",
        default=DEFAULT_EVAL_EPISODES,
    )
    add_setting(
        t,
        "--seed",
        "seed",
        "seed of every random draw, {low} to {high} (default: a random one, recorded in the history)",
    )
    t.add_argument("--models-dir", help="models folder (default: $HRL_MODELS_DIR, else <project>/models)")
    t.add_argument("--scenarios-dir", help="scenarios folder (default: $HRL_SCENARIOS_DIR, else <project>/scenarios)")
    t.add_argument(
        "--keep-checkpoints",
        type=keep_count,
        default=TrainConfig.keep_checkpoints,
        help="periodic checkpoint folders to keep, the newest (default: %(default)s); best and final stay",
    )
    t.add_argument(
        "--resume",
        type=run_id_arg,
        metavar="RUN_ID",
        help="continue a finished or stopped run of the scenario (agents, normalisers, optimiser state; "
        "default: start afresh)",
    )
    t.add_argument(
        "--publish",
        choices=PUBLISH_POLICIES,
        default=DEFAULT_PUBLISH,
        help="when the run becomes the scenario's published model: on_finish (at its end, finished or stopped), "
        "if_better (only when its held-out score beats the published run's, or none is published) or manual "
        "(never by itself; default: %(default)s)",
    )
    t.add_argument("--quiet", action="store_true", help="no progress bar (default: a progress bar on stderr)")

    e = sub.add_parser("evaluate", help="score a trained model against baselines on held-out households")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", help="the scenario's published model")
    which.add_argument("--run", metavar="ZIP_OR_ID", help="a run: its id, or a zip from GET /api/runs/{id}/archive")
    add_setting(
        e,
        "--episodes",
        "households",
        f"held-out households, {{low}} to {{high}}; with the scenario's months at most {MAX_HOUSEHOLD_MONTHS} "
        "household-months (default: %(default)s)",
        SIMULATION_BOUNDS,
        default=HELD_OUT_HOUSEHOLDS,
    )
    add_folders(e)
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    e.add_argument(
        "--no-flat",
        action="store_true",
        help="skip the flat PPO baseline (trained on the model's own budget and settings)",
    )

    u = sub.add_parser("tune", help="search the training settings with Optuna (resumable, shareable study)")
    u.add_argument("--scenario", required=True)
    u.add_argument("--trials", type=positive_int, required=True, help="trials to add to the study")
    u.add_argument("--episodes", type=setting("num_episodes"), default=1000, help="training budget of every trial")
    u.add_argument("--evaluations", type=positive_int, default=5, help="periodic evaluations seen by the pruner")
    u.add_argument("--eval-episodes", type=setting("eval_episodes"), default=50)
    u.add_argument("--seed", type=setting("seed"), default=0)
    u.add_argument("--study", help="study name (default: the scenario); its file is <models>/tuning/<study>.sqlite3")
    add_folders(u)

    m = sub.add_parser("simulate", help="simulate a trained model and the baselines on the same households, in euros")
    add_model_choice(m)
    add_setting(
        m,
        "--households",
        "households",
        f"{{low}} to {{high}}; households x months at most {MAX_HOUSEHOLD_MONTHS} (default: %(default)s)",
        SIMULATION_BOUNDS,
        default=DEFAULT_HOUSEHOLDS,
    )
    add_setting(m, "--months", "months", "{low} to {high} (default: the scenario's horizon)", SIMULATION_BOUNDS)
    add_setting(m, "--seed", "seed", "{low} to {high} (default: a random one)", SIMULATION_BOUNDS)
    m.add_argument("--json", action="store_true", help="print the whole result as one JSON object")
    m.add_argument(
        "--flat-ppo",
        action="store_true",
        help="also the model's flat PPO (trained on its budget the first "
        "time, then read from models/baselines/flat_ppo/)",
    )

    a = sub.add_parser("advise", help="this month's advice of a trained model for a household's balances, in euros")
    add_model_choice(a)
    add_setting(
        a,
        "--month",
        "month",
        "months since the start of the scenario, 0-based ({low} to {high}, and within its horizon)",
        ADVICE_BOUNDS,
        required=True,
    )
    a.add_argument("--savings", type=balance, required=True, help="euros in savings now")
    a.add_argument("--invested", type=balance, required=True, help="euros invested now")
    a.add_argument(
        "--cash", type=balance, help="euros in the current account (default: the initial cash in month 0, else 0)"
    )
    add_setting(
        a,
        "--income-loss-months-left",
        "income_loss_months_left",
        "months of income loss still ahead, {low} to {high} (default: %(default)s)",
        ADVICE_BOUNDS,
        default=0,
    )
    a.add_argument("--json", action="store_true", help="print the whole advice as one JSON object")

    r = sub.add_parser(
        "runs",
        help="list the runs, newest first; `runs label RUN_ID` names, annotates or tags one",
        description="List the runs, newest first (with --scenario, --tag or --search, only some), or label one.",
    )
    r.add_argument("--scenario", help="only this scenario's runs")
    r.add_argument("--tag", help="only the runs with this tag")
    r.add_argument("--search", metavar="TEXT", help="only the runs with TEXT in their name, tags, notes or id")
    r.add_argument("--models-dir")
    runs_sub = r.add_subparsers(dest="runs_command", metavar="{label}")
    lab = runs_sub.add_parser(
        "label",
        help="set a run's name, notes or tags (even while it trains)",
        description="Set any of a run's name, notes and tags; the others stay as they are.",
    )
    lab.add_argument("run_id", type=run_id_arg, metavar="RUN_ID")
    lab.add_argument("--name", help=f'at most {RUN_NAME_MAX_LENGTH} characters; "" clears it')
    lab.add_argument("--notes", help=f'at most {RUN_NOTES_MAX_LENGTH} characters; "" clears them')
    lab.add_argument(
        "--tag",
        dest="tags",
        action="append",
        metavar="TAG",
        help=f"a tag (repeat for several, at most {RUN_TAGS_MAX}; {TAG_RULE}); replaces the run's tags",
    )
    lab.add_argument("--no-tags", action="store_true", help="remove every tag of the run")
    lab.add_argument("--models-dir", dest="label_models_dir", help="models folder (as `runs --models-dir`)")

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
        rows.append(
            {
                "policy": name,
                **metrics,
                "tuned": tuned_values(metrics),
                "hrl minus policy": f"{diff['diff']:+.2f} ± {diff['stderr']:.2f} {verdict(diff['diff'], diff['stderr'])}"
                if diff
                else "",
            }
        )
    columns = ["policy", *(m for m in METRIC_NAMES if m != "goal_adherence"), "tuned", "hrl minus policy"]
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
    held_out = {key: value for key, value in result.held_out.items() if key != "rules"}
    rules = [
        f"model minus {name} {rule['tuned']} (mean paired difference ± standard error): "
        + ", ".join(
            f"{measure} {paired['diff']:+.2f} ± {paired['stderr']:.2f} {verdict(paired['diff'], paired['stderr'])}"
            for measure, paired in rule["paired"].items()
        )
        for name, rule in result.held_out.get("rules", {}).items()
    ]
    return "\n".join(
        [
            f"Held-out evaluation of {result.scenario_name}: {held_out['households']} households never trained on",
            format_table([held_out], list(held_out)),
            *rules,
            f"Trained {result.scenario_name}: {result.episodes_completed} episodes in {seconds:.1f} s "
            f"({result.episodes_completed / seconds:.0f} episodes/s); mean of the last {window} training episodes:",
            format_table([result.final_metrics], list(METRIC_NAMES)),
        ]
    )


def publication_text(publication: dict | None, policy: str) -> str:
    """What became of the run's publishing, in one sentence."""
    if publication is None:
        why = "--publish manual" if policy == "manual" else "its held-out score does not beat the published run's"
        return f"Not published ({why}): `POST /api/runs/{{run_id}}/publish` publishes it by hand."

    def score(value: float | None) -> str:
        return "none" if value is None else f"{value:.2f}"

    replaced = (
        f", replacing {publication['replaced_run_id']} (held-out {score(publication['replaced_held_out'])})"
        if publication["replaced_run_id"]
        else ""
    )
    return f"Published {publication['run_id']} (held-out {score(publication['held_out'])}){replaced}."


def cmd_train(args: argparse.Namespace) -> int:
    check_writable_folder(resolve_models_dir(args.models_dir))  # now, not after minutes of training
    scenario_or_choices(args.scenario, args.scenarios_dir)
    config = TrainConfig(
        scenario_name=args.scenario,
        num_episodes=args.episodes,
        save_interval=args.save_interval,
        eval_episodes=args.eval_episodes,
        seed=args.seed,
        models_dir=args.models_dir,
        scenarios_dir=args.scenarios_dir,
        keep_checkpoints=args.keep_checkpoints,
        resume_from=args.resume,
        publish=args.publish,
    )
    if args.resume:
        try:
            runs.resume_point(args.resume, args.scenario, args.models_dir)
        except ValueError as exc:
            raise ScenarioError("--resume", {"resume": [str(exc)]}) from None
    start = time.perf_counter()

    def on_progress(record: dict) -> None:  # `bar`, opened below, once the run's id is printed
        bar.update(1)
        bar.set_postfix(reward=f"{record['avg_reward']:.1f}", stability=f"{record['stability']:.2f}", refresh=False)

    with StopOnSignals() as signals:
        trainer = Trainer(config, on_progress, signals.should_stop)
        print(f"run {trainer.run_id}" + (f" (resuming {args.resume})" if args.resume else ""), flush=True)
        with tqdm(total=config.num_episodes, unit="ep", disable=args.quiet, file=sys.stderr) as bar:
            result = trainer.run()
    seconds = time.perf_counter() - start
    if result.episodes_completed:
        print(train_summary(result, seconds, config.metrics_window))
        print(publication_text(result.publication, args.publish))
        if result.publication:
            for path in model_paths(result.scenario_name, args.models_dir).values():
                print(f"wrote {path}")
    for note in trainer.notes:
        print(f"note: {note}")
    if signals.received is None:
        return 0
    saved = (
        "saved checkpoint_final/ and the model files"
        if result.episodes_completed
        else "nothing to save, the previous model files are untouched"
    )
    print(
        f"Stopped by {signals.name} after {result.episodes_completed} of {result.total_episodes} episodes: {saved}",
        file=sys.stderr,
    )
    return exit_status(signals.received)


def run_to_evaluate(args: argparse.Namespace) -> tuple:
    """(scenario, strategist, executor) of `--run`: a zip made by the archive endpoint (scored on the
    scenario figures it was trained on), or the id of a run in the models folder."""
    if is_archive(args.run):
        try:
            files = runs.read_archive(Path(args.run).read_bytes())
        except ValueError as exc:
            raise ScenarioError(f"{args.run}", {"run": [str(exc)]}) from None
        config = json.loads(files[runs.CONFIG_FILE])
        figures = {
            key: value for key, value in (config.get("scenario") or {}).items() if key in Scenario.__dataclass_fields__
        }
        scenario = (
            scenario_from_dict(figures)
            if figures
            else load_scenario(json.loads(files[runs.SUMMARY_FILE])["scenario_name"], args.scenarios_dir)
        )
        return scenario, agent_from_bytes(files["high_agent.pt"]), agent_from_bytes(files["low_agent.pt"])
    try:
        strategist, executor = runs.load_run_agents(runs.validate_run_id(args.run), args.models_dir)
    except ValueError as exc:
        raise ScenarioNotFound(f"--run: {exc}") from None
    except runs.RunNotFound as exc:
        raise ScenarioNotFound(str(exc)) from None
    return load_scenario(runs.run_scenario(args.run), args.scenarios_dir), strategist, executor


def is_archive(run: str | None) -> bool:
    return bool(run) and (run.endswith(".zip") or Path(run).is_file())


def flat_baseline(args: argparse.Namespace):
    """The flat PPO `evaluate` and `simulate --flat-ppo` compare with: the Executor alone, trained on the model's
    budget, settings and seed, kept under models/baselines/flat_ppo/ (`flat_store`). None with `--no-flat`, or
    for a run archive (its figures may be in no scenario file)."""
    if getattr(args, "no_flat", False) or is_archive(args.run):
        return None
    try:
        return stored_flat(args.scenario or runs.run_scenario(args.run), args.run, args.models_dir, args.scenarios_dir)
    except FlatUnavailable as exc:
        raise ScenarioNotFound(f"flat PPO: {exc}") from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.run:
        scenario, strategist, executor = run_to_evaluate(args)
        check_simulation_size("--episodes", args.episodes, scenario.months)
    else:
        scenario = load_scenario(args.scenario, args.scenarios_dir)
        check_simulation_size("--episodes", args.episodes, scenario.months)
        try:
            strategist, executor = load_trained_models(args.scenario, args.models_dir)
        except FileNotFoundError:
            raise ScenarioNotFound(
                f"No trained model for '{args.scenario}': run `python -m hrl_trainer train` first"
            ) from None
    flat = flat_baseline(args)
    report = compare_with_baselines(
        scenario,
        strategist,
        executor,
        episodes=args.episodes,
        flat_executor=None if flat is None else flat.executor,
        models_dir=resolve_models_dir(args.models_dir),
    )
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else evaluation_table(report))
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from hrl_trainer.learn.tuning import SearchSpec, study_path, tune  # it imports Optuna, a second: only `tune` pays

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
    finished = [t for t in study.trials if t.state.name == "COMPLETE"]
    print(
        f"study {study.study_name}: {len(study.trials)} trials ({len(finished)} complete) in "
        f"{study_path(study.study_name, args.models_dir)}"
    )
    if not finished:
        print("no finished trial yet")
        return 0
    best = study.best_trial
    print(
        f"best trial {best.number}: tuning reward {best.value:.3f}, "
        f"held-out reward {best.user_attrs['held_out_reward']:.3f}"
    )
    for name, value in best.params.items():
        print(f"  {name} = {value:.4g}")
    return 0


def agents_of(args: argparse.Namespace) -> tuple:
    """(strategist, executor) of `--run`, or of the scenario's published model; ScenarioNotFound naming the option."""
    try:
        return resolve_agents(args.scenario, args.run, args.models_dir)
    except ModelNotFound as exc:
        raise ScenarioNotFound(f"--{'run' if exc.field == 'run_id' else 'scenario'}: {exc}") from None


def cmd_simulate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.scenarios_dir)
    check_simulation_size("--households", args.households, args.months or scenario.months)
    strategist, executor = agents_of(args)
    result = simulate(
        scenario,
        strategist,
        executor,
        households=args.households,
        seed=args.seed,
        months=args.months,
        models_dir=resolve_models_dir(args.models_dir),
        flat_ppo=flat_baseline(args) if args.flat_ppo else None,
    )
    print(json.dumps(result, allow_nan=False) if args.json else simulation_table(result))
    return 0


def cmd_advise(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.scenarios_dir)
    try:
        answer = advise(
            scenario,
            *agents_of(args),
            month=args.month,
            savings=args.savings,
            invested=args.invested,
            cash=args.cash,
            income_loss_months_left=args.income_loss_months_left,
        )
    except AdviceError as exc:
        field, messages = next(iter(exc.errors.items()))
        raise OptionError(f"--{field.replace('_', '-')}", " ".join(messages)) from None
    if args.json:
        answer["model"] = model_reference(args.scenario, args.run, args.models_dir)
    print(json.dumps(answer, allow_nan=False) if args.json else answer["sentence"])
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    changes = {key: getattr(args, key) for key in ("name", "notes", "tags") if getattr(args, key) is not None}
    if args.no_tags:
        changes["tags"] = []
    try:
        run = runs.label_run(args.run_id, changes, args.label_models_dir or args.models_dir)
    except FieldErrors as exc:
        field, messages = next(iter(exc.errors.items()))
        option = "--tag" if field == "tags" else f"--{field}" if field != "_schema" else "label"
        raise OptionError(option, " ".join(messages)) from None
    tags = ", ".join(run["tags"]) or "none"
    print(f"{run['run_id']}: name {run['name'] or '(none)'}; tags {tags}; notes {len(run['notes'])} characters")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    if args.runs_command == "label":
        return cmd_label(args)
    adopt_models_folder(args.models_dir)
    listed, _ = runs.list_runs(args.models_dir, scenario_name=args.scenario, q=args.search, tag=args.tag)
    rows = [
        {
            "run_id": r["run_id"],
            "name": r.get("name") or "",
            "status": r["status"],
            "episodes": r.get("episodes_completed"),
            "seed": r.get("seed"),
            "started": r.get("started_at"),
            "reward": (r.get("final_metrics") or {}).get("avg_reward"),
            "held-out": (r.get("held_out") or {}).get("avg_reward"),
            "published": "*" if r["published"] else "",
            "parent": r.get("parent") or "",
            "tags": ",".join(r.get("tags") or []),
        }
        for r in listed
    ]
    columns = ["run_id", "name", "status", "episodes", "seed", "started", "reward", "held-out", "published", "parent"]
    columns += ["tags"]
    print(format_table(rows, columns) if rows else "no runs")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    rows = [load_scenario(name, args.scenarios_dir).to_dict() for name in list_scenarios(args.scenarios_dir)]
    columns = [
        "name",
        "monthly_income",
        "fixed_expenses",
        "variable_expenses_mean",
        "monthly_margin",
        "safety_buffer",
        "months",
        "description",
    ]
    print(format_table(rows, columns))
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "tune": cmd_tune,
    "simulate": cmd_simulate,
    "advise": cmd_advise,
    "runs": cmd_runs,
    "scenarios": cmd_scenarios,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread is as fast at this size and leaves the other core free
    try:
        return COMMANDS[args.command](args)
    except OptionError as exc:  # as argparse words its own
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (
        ScenarioNotFound,
        ScenarioError,
        TrainingError,
        IncompatibleModel,
        ScenarioLocked,
        runs.RunNotFound,
        OSError,
    ) as exc:  # OSError: e.g. a full disk
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Aborted as exc:
        print(f"error: {exc}: the model files and checkpoint_final/ were not written", file=sys.stderr)
        return exit_status(exc.signum)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return exit_status(signal.SIGINT)
