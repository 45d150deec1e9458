"""The command line, run as a user would."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from hrl_trainer import load_scenario
from hrl_trainer.baselines.cache import cache_path
from hrl_trainer.baselines.tuning import figures_key
from hrl_trainer.common.config import MAX_HOUSEHOLD_MONTHS, TUNING_HOUSEHOLDS
from hrl_trainer.store.checkpoints import checkpoint_dir, model_paths
from tests.hrl_trainer.helpers import REPO, cli, run_main
from tests.shared_bounds import SHARED_BOUNDS


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tunings):
    """A trained torino_single, then its tunings in the folder (as a simulation would leave them; not before the
    run, whose summary would then also compare with the rules)."""
    models = tmp_path_factory.mktemp("models")
    out = cli(
        "train",
        "--scenario",
        "torino_single",
        "--episodes",
        "40",
        "--save-interval",
        "20",
        "--eval-episodes",
        "3",
        "--seed",
        "4",
        "--models-dir",
        str(models),
        "--quiet",
    ).stdout
    tunings.seed(models, "torino_single")
    return models, out


def test_train_writes_the_models_and_prints_a_summary_that_leads_with_the_held_out_evaluation(trained):
    models, out = trained
    history = json.loads((models / "torino_single_history.json").read_text())
    first, *lines = out.splitlines()
    assert first == f"run {history['run_id']}"  # the run id comes first
    assert lines[0] == "Held-out evaluation of torino_single: 200 households never trained on"
    held_out = history["held_out"]
    assert {"median_real_net_worth", "p5_real_net_worth", "share_broke", "avg_reward"} <= set(held_out)
    assert dict(zip(lines[1].split(), lines[2].split())) == {
        key: f"{value:.2f}" if isinstance(value, float) else str(value) for key, value in held_out.items()
    }
    assert lines[3].startswith("Trained torino_single: 40 episodes in ")
    assert (models / "torino_single_high_agent.pt").is_file()
    assert (models / "checkpoints" / "torino_single" / "checkpoint_episode_40").is_dir()


def test_evaluate_json_compares_with_every_baseline(trained, capsys):
    models, _ = trained
    status, out, _ = run_main(
        capsys, "evaluate", "--scenario", "torino_single", "--models-dir", str(models), "--episodes", "60", "--json"
    )
    assert status == 0
    report = json.loads(out)
    baselines = {"best_fixed", "random", "buffer_first", "target_liquidity_2", "target_liquidity_4", "flat_ppo"}
    assert set(report["policies"]) == {"hrl", *baselines}
    for metrics in report["policies"].values():
        assert {"avg_reward", "avg_duration", "avg_cash", "avg_invested", "stability"} <= set(metrics)
    split = report["policies"]["best_fixed"]["split"]
    assert len(split) == 3 and sum(split) == pytest.approx(1.0)
    assert set(report["paired"]) == baselines
    assert set(report["policies"]["target_liquidity_2"]["tuned"]) == {"k", "spend"}
    assert set(report["policies"]["target_liquidity_4"]["tuned"]) == {"k", "spend_below", "spend_above", "close"}
    assert all(p["stderr"] > 0 for p in report["paired"].values())
    assert report["policies"]["best_fixed"]["avg_reward"] > report["policies"]["random"]["avg_reward"]


def test_simulate_flat_ppo_reuses_the_flat_ppo_evaluate_trained(trained, capsys):
    """`evaluate` keeps the flat PPO it trains under models/baselines/flat_ppo/; `simulate --flat-ppo` reads it."""
    models, _ = trained
    household = ["--scenario", "torino_single", "--models-dir", str(models)]
    assert run_main(capsys, "evaluate", *household, "--episodes", "20", "--json")[0] == 0
    (path,) = (models / "baselines" / "flat_ppo").iterdir()
    stamp = path.stat().st_mtime_ns
    status, out, _ = run_main(
        capsys, "simulate", *household, "--households", "10", "--months", "12", "--seed", "2", "--flat-ppo", "--json"
    )
    assert status == 0
    result = json.loads(out)
    assert result["policies"]["flat_ppo"]["trained"] == {"scenario_name": "torino_single", "episodes": 40, "seed": 4}
    assert set(result["paired"]["flat_ppo"]) == {"reward", "real_net_worth", "total_spending"}
    assert [p.name for p in path.parent.iterdir()] == [path.name] and path.stat().st_mtime_ns == stamp


def test_evaluate_table_with_the_tunings_kept_in_the_models_folder(trained, tmp_path, capsys):
    """`evaluate` reads the household's tunings from its models folder (here a copy whose best fixed split is
    one no tuning picks, to tell them apart) instead of tuning them again."""
    models = shutil.copytree(trained[0], tmp_path / "models", symlinks=True)
    saved = cache_path(figures_key(load_scenario("torino_single")), TUNING_HOUSEHOLDS, models)
    record = json.loads(saved.read_text())
    record["splits"]["best_fixed"] = [0.11, 0.22, 0.67]
    saved.write_text(json.dumps(record))
    status, out, _ = run_main(
        capsys, "evaluate", "--scenario", "torino_single", "--models-dir", str(models), "--episodes", "30", "--no-flat"
    )
    assert status == 0
    assert out.splitlines()[0].split()[:2] == ["policy", "avg_reward"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "hrl",
        "random",
        "best_fixed",
        "buffer_first",
        "target_liquidity_2",
        "target_liquidity_4",
    ]
    assert "spend_below=" in out
    assert "[0.11, 0.22, 0.67]" in next(line for line in out.splitlines() if line.split()[0] == "best_fixed")


def test_scenarios_lists_the_bundled_households(capsys):
    status, out, _ = run_main(capsys, "scenarios")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "bologna_coppia",
        "milano_junior",
        "milano_senior",
        "roma_famiglia",
        "torino_single",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["train", "--scenario", "atlantis"],
            "Scenario 'atlantis' not found; available: bologna_coppia, milano_junior, milano_senior, roma_famiglia, "
            "torino_single",
        ),
        (
            ["train", "--scenario", "torino_single", "--models-dir", "/nonexistent-parent/models"],
            "its parent folder /nonexistent-parent does not exist",
        ),
        (["train", "--scenario", "../etc"], "scenario_name"),
        (["evaluate", "--scenario", "bologna_coppia", "--models-dir", "/nonexistent-models"], "No trained model"),
        (
            ["train", "--scenario", "torino_single", "--episodes", "2", "--models-dir", __file__ + "/models"],
            "Not a directory",
        ),
    ],
)
def test_errors_are_one_clear_line(capsys, args, message):
    status, _, err = run_main(capsys, *args)
    assert status == 2
    assert message in err and "Traceback" not in err


def test_a_models_folder_that_is_a_file_fails_before_training(capsys, tmp_path):
    (tmp_path / "models").write_text("not a folder")
    status, out, err = run_main(
        capsys, "train", "--scenario", "torino_single", "--models-dir", str(tmp_path / "models")
    )
    assert status == 2 and err.count("\n") == 1
    assert "is not a folder" in err and "Traceback" not in err
    assert out == ""


def test_an_unwritable_models_folder_fails_before_training(capsys, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:  # as a user, a folder without write permission does the same
        if os.geteuid() == 0:
            pytest.skip(f"root can write anywhere, and mounting failed: {mounted.stderr.decode().strip()}")
        folder.chmod(0o500)
    try:
        status, _, err = run_main(capsys, "train", "--scenario", "torino_single", "--models-dir", str(folder))
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)
    assert status == 2 and err.count("\n") == 1
    assert f"{folder}: cannot write in {folder}" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--episodes", "abc"], "argument --episodes: must be a positive integer (at most 100000), got 'abc'"),
        (["--episodes", "0"], "argument --episodes: must be a positive integer (at most 100000), got '0'"),
        (["--episodes", "100001"], "argument --episodes: must be a positive integer (at most 100000), got '100001'"),
        (["--seed", "-1"], "argument --seed: must be an integer from 0 to 4294967295, got '-1'"),
        (["--seed", "4294967296"], "argument --seed: must be an integer from 0 to 4294967295, got '4294967296'"),
        (
            ["--eval-episodes", "1001"],
            "argument --eval-episodes: must be a positive integer (at most 1000), got '1001'",
        ),
        (
            ["--save-interval", "1.5"],
            "argument --save-interval: must be a positive integer (at most 100000), got '1.5'",
        ),
    ],
)
def test_bad_numbers_are_refused_in_plain_words(capsys, args, message):
    status, _, err = run_main(capsys, "train", "--scenario", "torino_single", *args)
    assert status == 2
    assert err.splitlines()[-1] == f"python -m hrl_trainer train: error: {message}"
    assert "invalid" not in err and "parse" not in err  # argparse's "invalid <function> value"


def test_train_help_describes_every_option_with_its_default(capsys):
    status, out, _ = run_main(capsys, "train", "--help")
    assert status == 0
    help_text = " ".join(out.split())
    for option, default in [
        ("--episodes", "(default: 1000)"),
        ("--save-interval", "(default: 100)"),
        ("--eval-episodes", "(default: 10)"),
        ("--seed", "(default: a random one"),
        ("--models-dir", "(default: $HRL_MODELS_DIR"),
        ("--scenarios-dir", "(default: $HRL_SCENARIOS_DIR"),
        ("--quiet", "(default: a progress bar"),
    ]:
        described = help_text.split(f" {option} ", 1)[1]
        assert default in described.split(" --", 1)[0], option
    assert "1 to 100000" in help_text and "0 to 4294967295" in help_text


# --- Ctrl-C and SIGTERM: stop like the API's stop --------------------------------------------------------
def start_training(models, episodes=20000):
    """A long run in its own session, with SIGINT at its default (a background shell would ignore it)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hrl_trainer",
            "train",
            "--scenario",
            "torino_single",
            "--episodes",
            str(episodes),
            "--save-interval",
            "25",
            "--eval-episodes",
            "2",
            "--seed",
            "8",
            "--models-dir",
            str(models),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_until_training(process, models):
    """Wait for the first periodic checkpoint (in the run's own folder: the scenario's checkpoints are
    the published run's): the run is under way and its signal handlers are set."""
    deadline = time.monotonic() + 240
    while not any(models.glob("runs/*/checkpoints/checkpoint_episode_25")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "training never started"
        time.sleep(0.05)


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_finishes_the_batch_saves_everything_and_says_so_in_one_line(tmp_path, signum, status):
    process = start_training(tmp_path)
    wait_until_training(process, tmp_path)
    os.kill(process.pid, signum)
    out, err = process.communicate(timeout=240)
    assert process.returncode == status, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    history = json.loads(model_paths("torino_single", tmp_path)["history"].read_text())
    done = history["episodes_completed"]
    assert last == (
        f"Stopped by {signal.Signals(signum).name} after {done} of 20000 episodes: "
        "saved checkpoint_final/ and the model files"
    )
    assert history["stopped"] is True and 25 <= done < 20000 and done % 25 == 0  # whole batches of 25
    final = json.loads((checkpoint_dir("torino_single", "final", tmp_path) / "metadata.json").read_text())
    assert final["episodes_completed"] == done
    assert all(path.is_file() for path in model_paths("torino_single", tmp_path).values())
    assert out.startswith(f"run {history['run_id']}\nHeld-out evaluation of torino_single")


def test_a_second_signal_aborts_at_once_without_writing_the_model_files(tmp_path):
    process = start_training(tmp_path)
    wait_until_training(process, tmp_path)
    os.kill(process.pid, signal.SIGINT)  # pending signals are handled in number order: SIGINT, then SIGTERM
    os.kill(process.pid, signal.SIGTERM)
    out, err = process.communicate(timeout=240)
    assert process.returncode == 143
    assert err.strip().splitlines()[-1] == (
        "error: aborted by a second SIGTERM: the model files and checkpoint_final/ were not written"
    )
    assert "Traceback" not in err and out.startswith("run torino_single-") and out.count("\n") == 1
    assert not model_paths("torino_single", tmp_path)["history"].exists()
    assert not checkpoint_dir("torino_single", "final", tmp_path).exists()


# --- One set of bounds with the API (config.py): out of them, exit 2 at once naming the option ----------
REQUIRED = {
    "simulate": ["--scenario", "torino_single"],
    "evaluate": ["--scenario", "torino_single"],
    "train": ["--scenario", "torino_single"],
    "advise": ["--scenario", "torino_single", "--month", "0", "--savings", "0", "--invested", "0"],
}
SIMULATION, ADVICE, RUN = (SHARED_BOUNDS[form] for form in ("simulation", "advice", "run"))
OPTION_BOUNDS = [  # (command, option, (lowest, highest)) as the API's schemas read them (tests/shared_bounds.py)
    ("simulate", "--households", SIMULATION["households"]),
    ("simulate", "--months", SIMULATION["months"]),
    ("simulate", "--seed", SIMULATION["seed"]),
    ("evaluate", "--episodes", SIMULATION["households"]),
    ("advise", "--month", ADVICE["month"]),
    ("advise", "--income-loss-months-left", ADVICE["income_loss_months_left"]),
    ("advise", "--savings", ADVICE["savings"]),
    ("advise", "--invested", ADVICE["invested"]),
    ("advise", "--cash", ADVICE["cash"]),
    ("train", "--episodes", RUN["num_episodes"]),
    ("train", "--save-interval", RUN["save_interval"]),
    ("train", "--eval-episodes", RUN["eval_episodes"]),
    ("train", "--seed", RUN["seed"]),
    ("train", "--keep-checkpoints", RUN["keep_checkpoints"]),
]
OUT_OF_BOUNDS = [
    (command, option, value)
    for command, option, (low, high) in OPTION_BOUNDS
    for value in (f"{low - 1:.0f}", f"{high + 1:.0f}")
]


@pytest.mark.parametrize(("command", "option", "value"), OUT_OF_BOUNDS, ids=[" ".join(c) for c in OUT_OF_BOUNDS])
def test_every_api_bound_is_the_command_lines(capsys, command, option, value):
    status, out, err = run_main(capsys, command, *REQUIRED[command], option, value)
    assert status == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"python -m hrl_trainer {command}: error: argument {option}: must be "), err
    assert repr(value) in err


@pytest.mark.parametrize(
    ("command", "argv", "option", "product"),
    [
        ("simulate", ["--households", "10000", "--months", "121"], "--households", "10000 x 121"),
        ("simulate", ["--households", "2001"], "--households", "2001 x 600"),  # the household's own horizon
        ("evaluate", ["--episodes", "2001"], "--episodes", "2001 x 600"),
    ],
)
def test_households_times_months_is_bounded_as_in_the_api(capsys, tmp_path, command, argv, option, product):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    figures = {**yaml.safe_load((REPO / "scenarios" / "torino_single.yaml").read_text()), "months": 600}
    (scenarios / "torino_single.yaml").write_text(yaml.safe_dump(figures))
    status, out, err = run_main(
        capsys,
        command,
        *REQUIRED[command],
        "--scenarios-dir",
        str(scenarios),
        "--models-dir",
        str(tmp_path / "models"),
        *argv,
    )
    assert (status, out) == (2, "")
    assert err == (
        f"python -m hrl_trainer {command}: error: argument {option}: households x months must be at most "
        f"{MAX_HOUSEHOLD_MONTHS} (here {product}).\n"
    )


def test_the_issues_simulation_of_100000_months_is_refused_at_once(capsys):
    """The issue's command printed nothing for over 120 s; now argparse refuses it before any work."""
    status, out, err = run_main(
        capsys, "simulate", "--scenario", "torino_single", "--households", "10", "--months", "100000"
    )
    assert status == 2 and out == ""
    assert err.splitlines()[-1] == (
        "python -m hrl_trainer simulate: error: argument --months: must be an integer from 12 to 600, got '100000'"
    )


def test_advise_prints_this_months_sentence(trained, capsys):
    models, _ = trained
    advise = ["advise", "--scenario", "torino_single", "--models-dir", str(models), "--invested", "0"]
    status, out, _ = run_main(capsys, *advise, "--month", "3", "--savings", "1000", "--json")
    answer = json.loads(out)
    assert status == 0 and answer["month"] == 3 and answer["sentence"].endswith(".")
    assert answer["model"]["source"] == "published"
    assert sum(answer["split"].values()) == pytest.approx(1.0)
    status, out, err = run_main(capsys, *advise, "--month", "120", "--savings", "0")
    assert (status, out) == (2, "")
    assert err == (
        "python -m hrl_trainer advise: error: argument --month: Must be between 0 and 119 for 'torino_single'.\n"
    )
