"""When a run publishes itself (issue 22), with the real trainer: `publish` on_finish (the spec's behaviour),
if_better (only a better held-out score replaces the published run) and manual (never by itself); the reason each
end records (finished, stopped, resumed); the same from the API's start and the CLI's `train --publish`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hrl_trainer import TrainConfig
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store import runs
from hrl_trainer.store.publications import read_publications
from tests.hrl_api.runs import SCENARIO, complete_run
from tests.hrl_trainer.helpers import run_main, train
from tests.live_server import EventRecorder, LiveServer

FAST = {"episodes": 10, "save_interval": 10, "held_out_episodes": 20}


def held_out(models, run_id: str) -> float:
    """The run's held-out score as the runs listing shows it."""
    (run,) = [r for r in runs.list_runs(models)[0] if r["run_id"] == run_id]
    return run["held_out"]["avg_reward"]


def test_on_finish_publishes_and_records_why_and_what_it_replaced(tmp_path):
    models = tmp_path / "models"
    first = train(models, seed=1, **FAST)
    record = first.publication
    assert (record["run_id"], record["reason"], record["replaced_run_id"]) == (first.run_id, "finished", None)
    assert record["held_out"] == held_out(models, first.run_id) and record["replaced_held_out"] is None
    resumed = train(models, seed=2, resume_from=first.run_id, **FAST)
    assert (resumed.publication["reason"], resumed.publication["replaced_run_id"]) == ("resumed", first.run_id)
    assert resumed.publication["replaced_held_out"] == held_out(models, first.run_id)

    stopper = Trainer(
        TrainConfig(
            SCENARIO, num_episodes=100, save_interval=100, seed=3, held_out_episodes=20, models_dir=str(models)
        ),
        on_progress=lambda record: None,
        should_stop=lambda: True if stopper.episodes_done else False,
    )
    result = stopper.run()
    assert result.stopped and result.publication["reason"] == "stopped"
    assert [p["run_id"] for p in read_publications(SCENARIO, models)] == [stopper.run_id, resumed.run_id, first.run_id]
    assert runs.published_run_id(SCENARIO, models) == stopper.run_id


def test_manual_never_publishes_by_itself_and_is_recorded_in_the_runs_settings(tmp_path):
    models = tmp_path / "models"
    first = train(models, seed=1, **FAST)
    kept = train(models, seed=2, publish="manual", **FAST)
    assert kept.publication is None
    assert runs.published_run_id(SCENARIO, models) == first.run_id
    assert len(read_publications(SCENARIO, models)) == 1
    shown = runs.read_run(kept.run_id, models)
    assert shown["settings"]["publish"] == "manual" and shown["config"]["config"]["publish"] == "manual"
    assert shown["published"] is False and shown["status"] == "completed"


def test_if_better_publishes_only_a_better_held_out_score(tmp_path):
    models = tmp_path / "models"
    first = train(models, seed=1, publish="if_better", **FAST)  # nothing published yet: it is
    assert first.publication["reason"] == "finished"
    twin = train(models, seed=1, publish="if_better", **FAST)  # the same seed: the very same score, not better
    assert held_out(models, twin.run_id) == held_out(models, first.run_id)
    assert twin.publication is None and runs.published_run_id(SCENARIO, models) == first.run_id
    for seed in (2, 3):
        before = held_out(models, runs.published_run_id(SCENARIO, models))
        other = train(models, seed=seed, publish="if_better", **FAST)
        better = held_out(models, other.run_id) > before
        assert (other.publication is not None) == better, (held_out(models, other.run_id), before)
        assert (runs.published_run_id(SCENARIO, models) == other.run_id) == better


def test_beats_published_compares_held_out_scores(monkeypatch):
    mine = {"scenario_name": SCENARIO, "held_out": {"avg_reward": 2.0}}
    for theirs, expected in [
        (None, True),  # nothing published
        ({"held_out": None}, True),  # a published run without a held-out score (recorded by hand, adopted)
        ({"held_out": {"avg_reward": 1.0}}, True),
        ({"held_out": {"avg_reward": 2.0}}, False),  # level is not better
        ({"held_out": {"avg_reward": 3.0}}, False),
    ]:
        monkeypatch.setattr(runs, "published_summary", lambda scenario, models_dir, theirs=theirs: theirs)
        assert runs.beats_published(mine, None) is expected, theirs
    assert runs.beats_published({"scenario_name": SCENARIO, "held_out": None}, None) is False


def test_the_cli_train_takes_publish(tmp_path, capsys):
    models = tmp_path / "models"
    short = ["--scenario", SCENARIO, "--episodes", "5", "--save-interval", "5", "--eval-episodes", "2"]
    status, out, err = run_main(capsys, "train", *short, "--publish", "manual", "--models-dir", str(models), "--quiet")
    assert status == 0, err
    assert "Not published (--publish manual)" in out and "wrote " not in out
    assert runs.published_run_id(SCENARIO, models) is None
    status, _, err = run_main(
        capsys, "train", "--scenario", SCENARIO, "--publish", "sometimes", "--models-dir", str(models)
    )
    assert status == 2 and "argument --publish: invalid choice" in err


@pytest.fixture(scope="module")
def api(live_servers) -> Iterator[LiveServer]:
    with live_servers.start() as server:
        yield server


def test_the_start_takes_publish_and_the_final_event_says_what_happened(api):
    recorder = EventRecorder(api.url)
    try:
        manual = complete_run(api, recorder, publish="manual")
        assert manual["publication"] is None
        run_id = manual["run_id"]
        assert api.get_json(f"/api/runs/{run_id}")["settings"]["publish"] == "manual"
        assert api.get_json(f"/api/runs/{run_id}")["published"] is False
        published = complete_run(api, recorder)  # the default: on_finish
        assert published["publication"]["run_id"] == published["run_id"]
        assert published["publication"]["reason"] == "finished"
        log = api.get_json(f"/api/models/{SCENARIO}/publications")["publications"]
        assert log[0] == published["publication"]
        bad = api.post("/api/training/start", json={"scenario_name": SCENARIO, "publish": "always"})
        assert bad.status_code == 400 and "publish" in bad.json()["errors"]
    finally:
        recorder.close()
