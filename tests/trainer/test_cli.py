"""The command line, run as a user would."""
import json
import subprocess
import sys

import pytest


def cli(*args, check=True):
    return subprocess.run([sys.executable, "-m", "hrl_trainer", *args], capture_output=True, text=True, check=check,
                          timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    out = cli("train", "--scenario", "torino_single", "--episodes", "40", "--save-interval", "20",
              "--eval-episodes", "3", "--seed", "4", "--models-dir", str(models), "--quiet").stdout
    return models, out


def test_train_writes_the_models_and_prints_a_summary(trained):
    models, out = trained
    assert "Trained torino_single: 40 episodes" in out and "avg_reward" in out
    assert (models / "torino_single_high_agent.pt").is_file()
    assert (models / "checkpoints" / "torino_single" / "checkpoint_episode_40").is_dir()


def test_evaluate_json_compares_with_every_baseline(trained):
    models, _ = trained
    report = json.loads(cli("evaluate", "--scenario", "torino_single", "--models-dir", str(models),
                            "--episodes", "60", "--json").stdout)
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


def test_evaluate_table(trained):
    models, _ = trained
    out = cli("evaluate", "--scenario", "torino_single", "--models-dir", str(models), "--episodes", "30",
              "--no-flat").stdout
    assert out.splitlines()[0].split()[:2] == ["policy", "avg_reward"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "hrl", "random", "best_fixed", "buffer_first", "target_liquidity_2", "target_liquidity_4"]
    assert "spend_below=" in out


def test_scenarios_lists_the_bundled_households():
    out = cli("scenarios").stdout
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "bologna_coppia", "milano_junior", "milano_senior", "roma_famiglia", "torino_single"]


@pytest.mark.parametrize("args, message", [
    (["train", "--scenario", "atlantis"], "not found"),
    (["train", "--scenario", "../etc"], "scenario_name"),
    (["evaluate", "--scenario", "bologna_coppia", "--models-dir", "/nonexistent-models"], "No trained model"),
    (["train", "--scenario", "torino_single", "--episodes", "2", "--models-dir", __file__ + "/models"],
     "Not a directory"),
])
def test_errors_are_one_clear_line(args, message):
    result = cli(*args, check=False)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
