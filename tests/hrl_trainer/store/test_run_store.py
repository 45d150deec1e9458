"""The runs domain on real runs of the real trainer: ids, the layout, publishing, deleting, archives,
retention, a killed run, the lock, adoption of a models folder from before runs."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest

from hrl_trainer import TrainConfig, list_trained_models, load_history
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store import runs
from hrl_trainer.store.adoption import adopt_models_folder
from hrl_trainer.store.checkpoints import checkpoint_dir, load_trained_models
from hrl_trainer.store.runlock import ScenarioLock, ScenarioLocked, is_locked, read_holder
from tests.hrl_trainer.helpers import SCENARIO, make_legacy, train

HOSTILE_IDS = [
    "",
    "..",
    "../x",
    f"{SCENARIO}-20261201-073012-3f9a/../../etc",
    f"{SCENARIO}-20261201-073012-3F9A",
    f"{SCENARIO}-20261201-073012-3f9a\n",
    f"{SCENARIO}-2026121-073012-3f9a",
    "/etc/passwd",
    None,
    5,
    "a" * 65 + "-20261201-073012-3f9a",
]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "locks" not in p.parts
    }


def test_run_ids_are_unique_sortable_and_validated():
    early = datetime(2026, 12, 1, 7, 30, 12, tzinfo=UTC)
    ids = [runs.new_run_id("bologna_coppia", early) for _ in range(50)]
    assert all(i.startswith("bologna_coppia-20261201-073012-") for i in ids) and len(set(ids)) > 40
    later = runs.new_run_id("bologna_coppia", early.replace(second=13))
    assert sorted([later, ids[0]]) == [ids[0], later]
    assert runs.validate_run_id(ids[0]) == ids[0] and runs.run_scenario(ids[0]) == "bologna_coppia"
    assert runs.run_scenario("a-b-20261201-073012-3f9a") == "a-b"
    for hostile in HOSTILE_IDS:
        with pytest.raises(ValueError):
            runs.validate_run_id(hostile)


@pytest.mark.parametrize("hostile", [i for i in HOSTILE_IDS if isinstance(i, str)])
def test_hostile_ids_never_reach_the_disk(tmp_path, hostile):
    for action in (runs.read_run, runs.load_run_agents, runs.archive_run, runs.publish_run, runs.delete_run):
        with pytest.raises(ValueError):
            action(hostile, tmp_path)
    assert not any(tmp_path.iterdir())  # not even the runs or locks folder was made


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A finished 20-episode run, then a stopped one (7 episodes) of the same scenario."""
    models = tmp_path_factory.mktemp("models")
    first = train(models, seed=1)
    stops = iter([False] * 8 + [True] * 100)  # checked before each batch and after each episode
    second = Trainer(
        TrainConfig(SCENARIO, num_episodes=50, save_interval=5, eval_episodes=2, seed=2, models_dir=str(models)),
        should_stop=lambda: next(stops),
    )
    second.run()
    return models, first, second


def test_each_run_has_its_folder_and_the_last_one_is_published(two_runs):
    models, first, second = two_runs
    listed, total = runs.list_runs(models)
    assert total == 2 and [r["run_id"] for r in listed] == [second.run_id, first.run_id]  # newest first
    assert [(r["status"], r["episodes_completed"], r["published"]) for r in listed] == [
        ("stopped", second.episode_offset + len(second.progress), True),
        ("completed", 20, False),
    ]
    assert listed[1]["seed"] == 1 and set(listed[1]["held_out"]) >= {"avg_reward", "stability"}
    detail = runs.read_run(first.run_id, models)
    assert detail["config"]["seed"] == 1 and detail["config"]["config"]["num_episodes"] == 20
    assert detail["config"]["scenario"]["name"] == SCENARIO and "torch" in detail["config"]["versions"]
    assert load_history(SCENARIO, models)["run_id"] == second.run_id
    assert [m["run_id"] for m in list_trained_models(models)] == [second.run_id]
    assert runs.list_runs(models, status="completed")[0][0]["run_id"] == first.run_id
    assert runs.list_runs(models, limit=1, offset=1)[0][0]["run_id"] == first.run_id
    assert runs.list_runs(models, scenario_name="milano_junior") == ([], 0)


def test_publishing_an_earlier_run_puts_its_files_at_the_spec_paths(two_runs):
    models, first, second = two_runs
    runs.publish_run(first.run_id, models)
    try:
        published = {name: (models / f"{SCENARIO}_{name}").read_bytes() for name in ("high_agent.pt", "low_agent.pt")}
        own = {name: (models / "runs" / first.run_id / name).read_bytes() for name in ("high_agent.pt", "low_agent.pt")}
        assert published == own
        assert load_history(SCENARIO, models)["run_id"] == first.run_id
        assert checkpoint_dir(SCENARIO, "final", models).resolve().parent.parent.name == first.run_id
        assert [r["run_id"] for r in runs.list_runs(models)[0] if r["published"]] == [first.run_id]
    finally:
        runs.publish_run(second.run_id, models)


def test_history_thinning_and_agents_and_archive(two_runs):
    models, first, _ = two_runs
    history = runs.read_run_history(first.run_id, models, max_points=5)
    assert [p["episode"] for p in history["progress"]] == [1, 6, 11, 15, 20]  # round(i * 19 / 4) + 1
    assert len(runs.read_run_history(first.run_id, models)["progress"]) == 20
    strategist, _executor = runs.load_run_agents(first.run_id, models)
    assert strategist.state_dict().keys() == first.strategist.state_dict().keys()
    archive = zipfile.ZipFile(BytesIO(runs.archive_run(first.run_id, models)))
    assert sorted(Path(n).name for n in archive.namelist()) == sorted(runs.ARCHIVE_FILES)
    assert set(runs.read_archive(runs.archive_run(first.run_id, models))) == set(runs.ARCHIVE_FILES)
    with pytest.raises(runs.RunNotFound):
        runs.load_run_agents(f"{SCENARIO}-20000101-000000-0000", models)
    with pytest.raises(ValueError):
        runs.read_archive(b"not a zip")


def test_deleting_the_published_run_publishes_the_previous_one_then_none(tmp_path):
    first, second = train(tmp_path, seed=1), train(tmp_path, seed=2)
    first_files = digests(tmp_path / "runs" / first.run_id)
    deleted = runs.delete_run(second.run_id, tmp_path)
    assert deleted == {
        "run_id": second.run_id,
        "deleted": True,
        "published_run_id": first.run_id,
        "publication": deleted["publication"],
    }
    assert deleted["publication"]["run_id"] == first.run_id and deleted["publication"]["reason"] == "deleted"
    assert deleted["publication"]["replaced_run_id"] == second.run_id
    assert not (tmp_path / "runs" / second.run_id).exists()
    assert load_history(SCENARIO, tmp_path)["run_id"] == first.run_id
    assert checkpoint_dir(SCENARIO, "final", tmp_path).is_dir()
    assert digests(tmp_path / "runs" / first.run_id) == first_files
    assert runs.delete_run(first.run_id, tmp_path)["published_run_id"] is None
    assert list_trained_models(tmp_path) == [] and not (tmp_path / "checkpoints" / SCENARIO).exists()
    assert not list((tmp_path).glob(f"{SCENARIO}_*")) and not list(tmp_path.rglob(".*"))
    with pytest.raises(runs.RunNotFound):
        runs.delete_run(first.run_id, tmp_path)


def test_retention_keeps_the_newest_checkpoints_under_save_interval_1(tmp_path):
    trainer = train(tmp_path, episodes=12, save_interval=1, keep_checkpoints=3)
    folders = sorted(p.name for p in (tmp_path / "runs" / trainer.run_id / "checkpoints").iterdir())
    assert folders == [
        "checkpoint_best",
        "checkpoint_episode_10",
        "checkpoint_episode_11",
        "checkpoint_episode_12",
        "checkpoint_final",
    ]
    assert len(trainer.evaluations) == 12  # every episode was still evaluated and saved on its turn
    none_kept = train(tmp_path, episodes=4, save_interval=1, keep_checkpoints=0)
    assert sorted(p.name for p in (tmp_path / "runs" / none_kept.run_id / "checkpoints").iterdir()) == [
        "checkpoint_best",
        "checkpoint_final",
    ]


def test_a_run_whose_trainer_died_is_marked_failed_when_read(tmp_path):
    trainer = train(tmp_path)
    folder = tmp_path / "runs" / trainer.run_id
    summary = json.loads((folder / "run.json").read_text())
    dead = f"{SCENARIO}-20261201-000000-dead"
    (tmp_path / "runs" / dead).mkdir()
    (tmp_path / "runs" / dead / "run.json").write_text(json.dumps({**summary, "run_id": dead, "status": "running"}))
    before = digests(tmp_path)
    read = runs.read_run(dead, tmp_path)
    assert read["status"] == "failed" and "ended without finishing" in read["error"] and read["published"] is False
    assert json.loads((tmp_path / "runs" / dead / "run.json").read_text())["status"] == "failed"
    after = digests(tmp_path)
    assert {k: v for k, v in after.items() if dead not in k} == {k: v for k, v in before.items() if dead not in k}


def test_a_running_run_holding_its_lock_stays_running(tmp_path):
    trainer = train(tmp_path)
    summary = json.loads((tmp_path / "runs" / trainer.run_id / "run.json").read_text())
    live = f"{SCENARIO}-20261201-000000-11fe"
    (tmp_path / "runs" / live).mkdir()
    (tmp_path / "runs" / live / "run.json").write_text(json.dumps({**summary, "run_id": live, "status": "running"}))
    with ScenarioLock.acquire(SCENARIO, live, tmp_path):
        assert is_locked(SCENARIO, tmp_path) and read_holder(SCENARIO, tmp_path) == live
        assert runs.read_run(live, tmp_path)["status"] == "running"
        with pytest.raises(ScenarioLocked, match=live):
            runs.delete_run(trainer.run_id, tmp_path)
        with pytest.raises(ScenarioLocked, match=live):
            train(tmp_path)
    assert not is_locked(SCENARIO, tmp_path)
    assert runs.read_run(live, tmp_path)["status"] == "failed"  # its holder is gone


def test_an_old_models_folder_is_adopted_as_one_run_with_nothing_lost(tmp_path):
    train(tmp_path, episodes=20, save_interval=10)
    make_legacy(tmp_path)
    old = digests(tmp_path)
    old_agents = load_trained_models(SCENARIO, tmp_path)
    (adopted,) = adopt_models_folder(tmp_path)
    assert adopt_models_folder(tmp_path) == []  # once
    run = runs.read_run(adopted, tmp_path)
    assert run["adopted"] is True and run["status"] == "completed" and run["published"] is True
    assert run["episodes_completed"] == 20 and run["config"]["seed"] == 1
    now = digests(tmp_path)
    for name, digest in old.items():  # every old file is still where it was, or moved into the run
        if name.startswith("checkpoints/"):
            assert now[f"runs/{adopted}/checkpoints/" + name.split("/", 2)[2]] == digest, name
        else:
            assert now[name] == digest, name
    assert (tmp_path / "checkpoints" / SCENARIO).is_symlink()
    assert checkpoint_dir(SCENARIO, "episode_20", tmp_path).is_dir()
    for old_agent, new_agent in zip(old_agents, load_trained_models(SCENARIO, tmp_path)):
        assert all((a == b).all() for a, b in zip(old_agent.state_dict().values(), new_agent.state_dict().values()))
    assert not list(tmp_path.rglob(".*"))
    second = train(tmp_path, seed=9)  # and the next run goes beside it
    assert [r["run_id"] for r in runs.list_runs(tmp_path)[0]] == [second.run_id, adopted]


def test_an_interrupted_adoption_is_finished_by_the_next_one(tmp_path, monkeypatch):
    train(tmp_path)
    make_legacy(tmp_path)
    from hrl_trainer.store import adoption

    monkeypatch.setattr(adoption, "publish_folder", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        adopt_models_folder(tmp_path)
    monkeypatch.undo()
    (adopted,) = adopt_models_folder(tmp_path)
    assert [r["run_id"] for r in runs.list_runs(tmp_path)[0]] == [adopted]
    assert runs.read_run(adopted, tmp_path)["published"] and checkpoint_dir(SCENARIO, "final", tmp_path).is_dir()
    assert not list(tmp_path.rglob(".*"))


def test_a_lone_history_from_before_runs_is_kept_in_a_failed_run(tmp_path):
    history = {
        "scenario_name": SCENARIO,
        "episodes_completed": 5000,
        "stopped": False,
        "started_at": "2026-11-01T10:00:00",
    }
    (tmp_path / f"{SCENARIO}_history.json").write_text(json.dumps(history))
    (tmp_path / f"{SCENARIO}_high_agent.pt").write_bytes(b"one agent without the other")
    (adopted,) = adopt_models_folder(tmp_path)
    run = runs.read_run(adopted, tmp_path)
    assert run["status"] == "failed" and run["episodes_completed"] == 5000 and run["published"] is False
    kept = tmp_path / "runs" / adopted
    assert json.loads((kept / "history.json").read_text()) == history
    assert (kept / "high_agent.pt").read_bytes() == b"one agent without the other"
    assert list_trained_models(tmp_path) == [] and not list(tmp_path.glob(f"{SCENARIO}_*"))
    trainer = train(tmp_path)  # the scenario trains and publishes as if new
    assert load_history(SCENARIO, tmp_path)["run_id"] == trainer.run_id


@pytest.mark.parametrize("written", [(runs.CONFIG_FILE,), ()], ids=["config written", "killed writing the config"])
def test_a_run_killed_before_its_first_summary_is_read_as_failed_and_tidied(tmp_path, written):
    """Killed before its first run.json (mid-write of it, or of the config: a temporary file left)."""
    run_id = runs.new_run_id(SCENARIO)
    folder = runs.run_dir(run_id, tmp_path)
    folder.mkdir(parents=True)
    for name in written:
        (folder / name).write_text(json.dumps({"seed": 1}))
    (folder / f".{runs.SUMMARY_FILE if written else runs.CONFIG_FILE}.x1y2.tmp").write_text('{"half')
    summary = runs.read_run(run_id, tmp_path)
    assert (summary["run_id"], summary["scenario_name"], summary["status"]) == (run_id, SCENARIO, "failed")
    assert summary["error"] == runs.KILLED
    assert sorted(path.name for path in folder.iterdir()) == sorted([*written, runs.SUMMARY_FILE])
    assert [r["run_id"] for r in runs.list_runs(tmp_path)[0]] == [run_id]
