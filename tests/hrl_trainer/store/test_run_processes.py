"""Real processes: two trainers racing for one scenario (exactly one trains, the other is refused at
once naming the winner's run), and a trainer killed mid-run (its folder is marked failed, its lock is
gone, the published model is untouched, the next run trains)."""

from __future__ import annotations

import json
import signal

import pytest

from hrl_trainer.store import runs
from hrl_trainer.store.runlock import is_locked
from tests.hrl_trainer.helpers import SCENARIO, start_cli, train
from tests.hrl_trainer.store.test_run_store import digests
from tests.live_server import wait_until

pytestmark = pytest.mark.server  # real trainer processes, end to end: left out of `make test-fast`

RACE_EPISODES = "300"


def test_two_trainers_racing_for_one_scenario_exactly_one_trains(tmp_path):
    racers = [
        start_cli(
            "train",
            "--scenario",
            SCENARIO,
            "--episodes",
            RACE_EPISODES,
            "--save-interval",
            "100",
            "--eval-episodes",
            "2",
            "--models-dir",
            str(tmp_path),
            "--quiet",
        )
        for _ in range(2)
    ]
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
    victim = start_cli(
        "train",
        "--scenario",
        SCENARIO,
        "--episodes",
        "5000",
        "--save-interval",
        "10",
        "--eval-episodes",
        "2",
        "--models-dir",
        str(tmp_path),
        "--quiet",
    )
    run_id = victim.stdout.readline().split()[1]
    checkpoints = tmp_path / "runs" / run_id / "checkpoints"
    wait_until(
        lambda: checkpoints.is_dir() and len(list(checkpoints.glob("checkpoint_episode_*"))) >= 2,
        300,
        "the victim's checkpoints",
    )
    assert runs.read_run(run_id, tmp_path)["status"] == "running" and is_locked(SCENARIO, tmp_path)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    assert not is_locked(SCENARIO, tmp_path)
    failed = runs.read_run(run_id, tmp_path)
    assert (
        failed["status"] == "failed" and failed["published"] is False and failed["episodes_completed"] >= 10
    )  # its last summary update
    assert json.loads((tmp_path / "runs" / run_id / "run.json").read_text())["status"] == "failed"
    after = {k: v for k, v in digests(tmp_path).items() if not k.startswith("runs/")}
    assert after == before  # the published model, byte for byte
    assert runs.read_run(published.run_id, tmp_path)["published"]
    assert not list(tmp_path.rglob(".*"))  # its half-written files were tidied when it was marked failed
    nxt = train(tmp_path, seed=3)
    assert runs.read_run(nxt.run_id, tmp_path)["published"]


def run_cli(*args: str) -> tuple[int, str, str]:
    process = start_cli(*args)
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def test_the_cli_lists_runs_resumes_and_evaluates_a_run_or_its_archive(tmp_path, tunings):
    code, out, _ = run_cli(
        "train",
        "--scenario",
        SCENARIO,
        "--episodes",
        "10",
        "--save-interval",
        "5",
        "--keep-checkpoints",
        "1",
        "--models-dir",
        str(tmp_path),
        "--quiet",
    )
    assert code == 0
    parent = out.splitlines()[0].removeprefix("run ")
    assert [p.name for p in (tmp_path / "runs" / parent / "checkpoints").glob("checkpoint_episode_*")] == [
        "checkpoint_episode_10"
    ]
    code, out, _ = run_cli(
        "train",
        "--scenario",
        SCENARIO,
        "--episodes",
        "5",
        "--save-interval",
        "5",
        "--resume",
        parent,
        "--models-dir",
        str(tmp_path),
        "--quiet",
    )
    assert code == 0 and f"(resuming {parent})" in out.splitlines()[0] and "15 episodes" in out
    child = out.splitlines()[0].split()[1]
    code, out, _ = run_cli("runs", "--scenario", SCENARIO, "--models-dir", str(tmp_path))
    lines = out.splitlines()
    assert code == 0 and lines[1].split()[0] == child and lines[2].split()[0] == parent
    assert "*" in lines[1].split() and "*" not in lines[2].split() and parent in lines[1]
    archive = tmp_path / "parent.zip"
    archive.write_bytes(runs.archive_run(parent, tmp_path))
    tunings.seed(tmp_path, SCENARIO)  # after the runs: their held-out results stay without the rules
    reports = []
    for which in (parent, str(archive)):
        code, out, err = run_cli(
            "evaluate", "--run", which, "--episodes", "40", "--json", "--models-dir", str(tmp_path)
        )
        assert code == 0, err
        reports.append(json.loads(out))
    assert reports[0]["policies"]["hrl"] == reports[1]["policies"]["hrl"]  # the same agents, the same households
    for bad in ("nope", f"{SCENARIO}-20000101-000000-0000"):
        code, _, err = run_cli("evaluate", "--run", bad, "--models-dir", str(tmp_path))
        assert code == 2 and err.startswith("error:"), err
    code, _, err = run_cli(
        "train", "--scenario", "milano_junior", "--episodes", "5", "--resume", parent, "--models-dir", str(tmp_path)
    )
    assert code == 2 and "trained 'torino_single'" in err
