"""Real processes: two trainers racing for one scenario (exactly one trains, the other is refused at
once naming the winner's run), and a trainer killed mid-run (its folder is marked failed, its lock is
gone, the published model is untouched, the next run trains)."""
from __future__ import annotations

import json
import signal

from hrl_trainer import runs
from hrl_trainer.runlock import is_locked

from live_server import wait_until
from runs.helpers import SCENARIO, cli, train
from runs.test_run_store import digests

RACE_EPISODES = "300"


def test_two_trainers_racing_for_one_scenario_exactly_one_trains(tmp_path):
    racers = [cli("train", "--scenario", SCENARIO, "--episodes", RACE_EPISODES, "--save-interval", "100",
                  "--eval-episodes", "2", "--models-dir", str(tmp_path), "--quiet") for _ in range(2)]
    outcomes = [(racer.wait(timeout=600), *racer.communicate()) for racer in racers]
    assert sorted(code for code, _, _ in outcomes) == [0, 2], outcomes
    (_, won_out, _), (_, lost_out, lost_err) = sorted(outcomes)
    winner = won_out.splitlines()[0].removeprefix("run ")
    assert lost_out.splitlines()[0].startswith("run ")  # its run id comes first, then the refusal
    assert f"Scenario '{SCENARIO}' is being written by run {winner}" in lost_err, lost_err
    listed, total = runs.list_runs(tmp_path)
    assert total == 1 and listed[0]["run_id"] == winner and listed[0]["status"] == "completed"
    assert listed[0]["episodes_completed"] == int(RACE_EPISODES) and listed[0]["published"]


def test_a_killed_trainer_leaves_a_failed_run_no_lock_and_the_published_model(tmp_path):
    published = train(tmp_path, seed=1)
    before = {k: v for k, v in digests(tmp_path).items() if not k.startswith("runs/")}
    victim = cli("train", "--scenario", SCENARIO, "--episodes", "5000", "--save-interval", "10",
                 "--eval-episodes", "2", "--models-dir", str(tmp_path), "--quiet")
    run_id = victim.stdout.readline().split()[1]
    checkpoints = tmp_path / "runs" / run_id / "checkpoints"
    wait_until(lambda: checkpoints.is_dir() and len(list(checkpoints.glob("checkpoint_episode_*"))) >= 2, 300,
               "the victim's checkpoints")
    assert runs.read_run(run_id, tmp_path)["status"] == "running" and is_locked(SCENARIO, tmp_path)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    assert not is_locked(SCENARIO, tmp_path)
    failed = runs.read_run(run_id, tmp_path)
    assert failed["status"] == "failed" and failed["published"] is False and failed["episodes_completed"] >= 10  # its last summary update
    assert json.loads((tmp_path / "runs" / run_id / "run.json").read_text())["status"] == "failed"
    after = {k: v for k, v in digests(tmp_path).items() if not k.startswith("runs/")}
    assert after == before  # the published model, byte for byte
    assert runs.read_run(published.run_id, tmp_path)["published"]
    assert not list(tmp_path.rglob(".*"))  # its half-written files were tidied when it was marked failed
    nxt = train(tmp_path, seed=3)
    assert runs.read_run(nxt.run_id, tmp_path)["published"]
