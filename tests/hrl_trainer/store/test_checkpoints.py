"""Files on disk: the promised layout, reload round trips, sets of files replaced all at once, the best
checkpoint across runs and the tidying a run does when it starts."""

import json
import os
import pickle
import shutil
import signal
from itertools import count

import numpy as np
import pytest
import torch

from hrl_trainer import TrainConfig, list_trained_models, load_history
from hrl_trainer.common import filesets
from hrl_trainer.common.filesets import FileSet
from hrl_trainer.env.lives import fixed_households
from hrl_trainer.env.simulation import OBS_FEATURES
from hrl_trainer.evaluation.scoring import hrl_policy, score
from hrl_trainer.learn.trainer import Trainer
from hrl_trainer.store import runs
from hrl_trainer.store.checkpoints import (
    IncompatibleModel,
    agent_from_bytes,
    checkpoint_dir,
    checkpoint_files,
    load_checkpoint,
    load_trained_models,
    model_files,
    model_paths,
    save_checkpoint,
    tidy_models_folder,
)
from tests.hrl_trainer.helpers import RUN_FILES, run_main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    trainer = Trainer(
        TrainConfig(
            "bologna_coppia", num_episodes=40, save_interval=20, eval_episodes=3, seed=5, models_dir=str(models)
        )
    )
    trainer.run()
    return trainer, models


def test_layout_matches_the_spec(trained):
    trainer, models = trained
    assert sorted(p.name for p in models.iterdir()) == [
        "bologna_coppia_high_agent.pt",
        "bologna_coppia_history.json",
        "bologna_coppia_low_agent.pt",
        "bologna_coppia_run.json",
        "checkpoints",
        "locks",
        "publications",  # the publication log (docs/runs.md), beside the spec's paths
        "runs",
    ]
    run = models / "runs" / trainer.run_id  # the published run's own folder; the spec's paths hold copies
    assert sorted(p.name for p in run.iterdir()) == ["checkpoints", *RUN_FILES]
    assert (models / "checkpoints" / "bologna_coppia").resolve() == (run / "checkpoints").resolve()
    for name in ("high_agent.pt", "low_agent.pt", "history.json"):
        assert (run / name).read_bytes() == (models / f"bologna_coppia_{name}").read_bytes()
    assert b"\n" not in (models / "bologna_coppia_history.json").read_bytes()  # compact, no indentation
    folders = sorted(p.name for p in (models / "checkpoints" / "bologna_coppia").iterdir())
    assert folders == ["checkpoint_best", "checkpoint_episode_20", "checkpoint_episode_40", "checkpoint_final"]
    for folder in folders:
        files = sorted(p.name for p in (models / "checkpoints" / "bologna_coppia" / folder).iterdir())
        assert files == ["high_agent.pt", "low_agent.pt", "metadata.json"]
    assert not list(models.rglob("*.tmp"))
    meta = json.loads((checkpoint_dir("bologna_coppia", "episode_20", models) / "metadata.json").read_text())
    assert meta["episodes_completed"] == 20 and meta["evaluation"]["episode"] == 20 and meta["seed"] == 5


def test_reloaded_models_act_exactly_like_the_trained_ones(trained):
    trainer, models = trained
    strategist, executor = load_trained_models("bologna_coppia", models)
    assert strategist.period == trainer.config.high_period
    events = fixed_households(trainer.scenario, 20, "held_out")
    original = score(trainer.scenario, events, hrl_policy(trainer.strategist, trainer.executor))
    reloaded = score(trainer.scenario, events, hrl_policy(strategist, executor))
    np.testing.assert_array_equal(original.reward, reloaded.reward)
    final = load_checkpoint(checkpoint_dir("bologna_coppia", "final", models))
    for a, b in zip(final, (strategist, executor)):
        for key, value in a.state_dict().items():
            assert torch.equal(value, b.state_dict()[key])


def test_history_and_model_listing(trained):
    trainer, models = trained
    history = load_history("bologna_coppia", models)
    assert history["episodes_completed"] == 40 and history["stopped"] is False
    assert [r["episode"] for r in history["progress"]] == list(range(1, 41))
    assert [e["episode"] for e in history["evaluations"]] == [20, 40]
    assert set(history["versions"]) == {"hrl_trainer", "python", "numpy", "torch"}
    assert history["run_id"] == trainer.run_id
    (models / "bologna_coppia_history.json").write_text("not even JSON")  # the listing never parses it
    listing = list_trained_models(models)
    assert [m["scenario_name"] for m in listing] == ["bologna_coppia"]
    assert listing[0]["files"]["high_agent"] == "bologna_coppia_high_agent.pt"
    assert listing[0]["final_metrics"] == history["final_metrics"] and listing[0]["run_id"] == trainer.run_id
    (models / "bologna_coppia_history.json").write_bytes(
        (models / "runs" / trainer.run_id / "history.json").read_bytes()
    )
    with pytest.raises(ValueError):
        load_history("../bologna_coppia", models)
    with pytest.raises(FileNotFoundError):
        load_history("never_trained", models)


def test_interrupted_save_keeps_the_previous_checkpoint(trained, tmp_path, monkeypatch):
    trainer, _ = trained
    folder = tmp_path / "checkpoint_best"
    save_checkpoint(folder, trainer.strategist, trainer.executor, {"run": 1})
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def crash_midway(obj, handle):
        handle.write(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(folder, trainer.strategist, trainer.executor, {"run": 2})
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint_best"]
    assert load_checkpoint(folder)[1].hidden == trainer.executor.hidden


def test_a_write_error_keeps_the_previous_set_and_leaves_nothing(trained, tmp_path, monkeypatch):
    trainer, _ = trained
    folder = tmp_path / "checkpoint_final"
    save_checkpoint(folder, trainer.strategist, trainer.executor, {"run": 1})
    writes = count()

    def disk_full_at_the_second_file(path, data):
        if next(writes) == 1:
            path.write_bytes(data[:10])
            raise OSError(28, os.strerror(28))
        path.write_bytes(data)

    monkeypatch.setattr(filesets, "write_file", disk_full_at_the_second_file)
    with pytest.raises(OSError, match="No space left on device"):
        save_checkpoint(folder, trainer.strategist, trainer.executor, {"run": 2})
    assert json.loads((folder / "metadata.json").read_text()) == {"run": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint_final"]


def test_json_with_nan_is_refused_and_the_old_set_stays(trained, tmp_path):
    trainer, _ = trained
    folder = tmp_path / "checkpoint_final"
    save_checkpoint(folder, trainer.strategist, trainer.executor, {"ok": 1.0})
    with pytest.raises(ValueError):
        save_checkpoint(folder, trainer.strategist, trainer.executor, {"bad": float("nan")})
    assert json.loads((folder / "metadata.json").read_text()) == {"ok": 1.0}


def test_loading_refuses_pickled_code():
    with pytest.raises(pickle.UnpicklingError):
        agent_from_bytes(pickle.dumps({"kind": "executor", "hook": print}, protocol=2))


def test_model_paths_refuse_unsafe_names(tmp_path):
    with pytest.raises(ValueError):
        model_paths("../../etc", tmp_path)


# --- sets of files: a kill at any step, a read overlapping a swap ----------------------------------
def set_contents(files: FileSet, version: int) -> list[bytes]:
    return [json.dumps({"version": version, "file": name}).encode() for name in files.names]


def killed_at(step: int, action) -> bool:
    """Run `action` in a forked child that SIGKILLs itself at its `step`-th file-system change (before
    each file write, half way through it, before each rename and each folder removal); True if killed."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            changes = count(1)

            def change() -> None:
                if next(changes) == step:
                    os.kill(os.getpid(), signal.SIGKILL)

            def before(function):
                def wrapped(*args, **kwargs):
                    change()
                    return function(*args, **kwargs)

                return wrapped

            def half_then_rest(path, data):
                change()
                with open(path, "xb") as handle:
                    handle.write(data[: len(data) // 2])
                    handle.flush()
                    change()
                    handle.write(data[len(data) // 2 :])

            filesets.write_file = half_then_rest
            os.rename, os.replace, shutil.rmtree = before(os.rename), before(os.replace), before(shutil.rmtree)
            action()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, status
    return os.WIFSIGNALED(status)


SETS = {
    "model files": lambda models: model_files("bologna_coppia", models),
    "checkpoint folder": lambda models: checkpoint_files(checkpoint_dir("bologna_coppia", "best", models)),
}


@pytest.mark.parametrize("previous", [True, False], ids=["replacing a set", "first set"])
@pytest.mark.parametrize("which", SETS)
def test_a_swap_killed_at_any_step_leaves_the_old_set_or_the_new_one(models_dir, which, previous):
    files = SETS[which](models_dir)
    old, new = set_contents(files, 1), set_contents(files, 2)
    seen = []
    for step in count(1):
        shutil.rmtree(models_dir, ignore_errors=True)
        if previous:
            files.replace(dict(zip(files.names, old)))
        killed = killed_at(step, lambda: files.replace(dict(zip(files.names, new))))
        try:
            view = files.read()  # what a reader sees before anyone tidies up
        except FileNotFoundError:
            view = None
        assert view in ([old] if previous else [None]) + [new], (step, view)
        if which == "model files":  # the listing and the history agree with the reader
            assert [m["scenario_name"] for m in list_trained_models(models_dir)] == (["bologna_coppia"] if view else [])
            assert load_history("bologna_coppia", models_dir) == json.loads(view[2]) if view else True
        tidy_models_folder("bologna_coppia", models_dir)  # what the next run does first
        assert (
            [(files.folder / name).read_bytes() for name in files.names] == view
            if view
            else not any((files.folder / name).exists() for name in files.names)
        )
        assert not list(models_dir.rglob(".*")), f"left after tidying: {list(models_dir.rglob('.*'))}"
        seen.append(view == new)
        if not killed:
            break
    assert seen == sorted(seen) and seen[0] is False and seen[-1] is True, seen  # old, ..., old, new, ..., new
    assert len(seen) >= 10, seen


def test_a_read_overlapping_a_swap_reads_again_and_gets_one_version(models_dir, monkeypatch):
    files = model_files("bologna_coppia", models_dir)
    old, new = set_contents(files, 1), set_contents(files, 2)
    files.replace(dict(zip(files.names, old)))
    real_open, opened = FileSet._open, []

    def open_then_swap_once(self, name):
        handle = real_open(self, name)
        opened.append(name)
        if len(opened) == 1:  # the first file is open: a whole new set is swapped in before the others
            files.replace(dict(zip(files.names, new)))
        return handle

    monkeypatch.setattr(FileSet, "_open", open_then_swap_once)
    assert files.read() == new
    assert len(opened) > len(files.names)


# --- the best checkpoint of a run ---------------------------------------------------------------------
def short_run(models, seed: int) -> Trainer:
    trainer = Trainer(
        TrainConfig(
            "torino_single", num_episodes=60, save_interval=20, eval_episodes=3, seed=seed, models_dir=str(models)
        )
    )
    trainer.run()
    return trainer


def best_metadata(models, run_id: str) -> dict:
    return json.loads((models / "runs" / run_id / "checkpoints" / "checkpoint_best" / "metadata.json").read_text())


@pytest.fixture
def scripted_scores(monkeypatch):
    """`scripted_scores(own)`: the next run's evaluations score `own`, one by one."""

    def script(own: list[float]) -> None:
        scores = iter(own)
        monkeypatch.setattr(Trainer, "evaluate", lambda self, strategist, executor, what: {"avg_reward": next(scores)})

    return script


def test_the_best_checkpoint_is_the_runs_best_evaluation(models_dir, scripted_scores):
    scripted_scores([1.0, 3.0, 2.0])
    first = short_run(models_dir, seed=1)
    assert best_metadata(models_dir, first.run_id)["episodes_completed"] == 40
    scripted_scores([0.5, 0.1, 0.2])  # worse than the first run's: each run has its own best
    second = short_run(models_dir, seed=2)
    assert best_metadata(models_dir, second.run_id)["episodes_completed"] == 20
    assert best_metadata(models_dir, first.run_id)["episodes_completed"] == 40


# --- a run starts by tidying up ------------------------------------------------------------------------
def test_a_run_starts_by_finishing_or_discarding_what_a_killed_run_left(models_dir):
    pending = checkpoint_files(checkpoint_dir("torino_single", "episode_500", models_dir))
    committed = set_contents(pending, 7)
    # killed after the commit and one move (changes: 2 per file written, the commit, the first move)
    assert killed_at(3 * 2 + 2 + 1, lambda: pending.replace(dict(zip(pending.names, committed))))
    assert list(models_dir.glob("checkpoints/torino_single/.checkpoint_episode_500.*.commit"))
    staged = models_dir / ".torino_single.x1.tmp"  # killed while staging the model files
    staged.mkdir(parents=True)
    (staged / "torino_single_high_agent.pt").write_bytes(b"half")
    older = [
        models_dir / ".torino_single_history.json.x2.tmp",  # earlier versions' leftovers
        checkpoint_dir("torino_single", "best", models_dir) / ".low_agent.pt.x3.tmp",
        checkpoint_dir("torino_single", "episode_5", models_dir) / "high_agent.pt",
    ]
    for path in older:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    other = models_dir / ".milano_junior.x4.tmp"  # another scenario's: not this run's business
    other.mkdir()

    legacy = checkpoint_dir("torino_single", "episode_500", models_dir).parent
    Trainer(TrainConfig("torino_single", num_episodes=2, save_interval=100, models_dir=str(models_dir))).run()
    assert [path.relative_to(models_dir) for path in models_dir.rglob(".*")] == [other.relative_to(models_dir)]
    # the old checkpoints, tidied, became a run of their own (failed: it left no model files)
    adopted = [run for run in runs.list_runs(models_dir)[0] if run.get("adopted")]
    assert [run["status"] for run in adopted] == ["failed"]
    kept = models_dir / "runs" / adopted[0]["run_id"] / "checkpoints"
    assert sorted(p.name for p in kept.iterdir()) == ["checkpoint_episode_500"]
    assert [(kept / "checkpoint_episode_500" / name).read_bytes() for name in pending.names] == committed
    assert legacy.is_symlink()  # now the published (2-episode) run's checkpoints


# --- the observation layout ------------------------------------------------------------------------------
def rewrite_payload(path, change) -> None:
    """Rewrite a saved agent file with `change(payload)` applied (as an older version would have saved it)."""
    payload = torch.load(path, weights_only=True)
    change(payload)
    torch.save(payload, path)


def test_saved_agents_record_their_observation_layout(trained):
    _, models = trained
    high = torch.load(models / "bologna_coppia_high_agent.pt", weights_only=True)
    low = torch.load(models / "bologna_coppia_low_agent.pt", weights_only=True)
    assert high["observation"] == list(OBS_FEATURES) and len(OBS_FEATURES) == high["architecture"]["obs_dim"]
    assert low["observation"] == [*OBS_FEATURES, "goal_invest", "goal_save", "goal_spend", "goal_buffer"]
    assert len(low["observation"]) == low["architecture"]["obs_dim"]


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda payload: payload.pop("observation"), "it was saved before observation layouts were recorded"),
        (
            lambda payload: payload["observation"].__setitem__(1, "savings_in_buffers"),
            "its input 1 is 'savings_in_buffers', this version's is 'months_covered'",
        ),
        (lambda payload: payload["observation"].pop(), "it has 10 inputs, this version 11"),
    ],
)
def test_loading_an_agent_of_another_observation_layout_is_a_clear_error(trained, tmp_path, change, reason):
    _, models = trained
    shutil.copytree(models, tmp_path / "models")
    rewrite_payload(tmp_path / "models" / "bologna_coppia_high_agent.pt", change)
    with pytest.raises(IncompatibleModel) as error:
        load_trained_models("bologna_coppia", tmp_path / "models")
    assert str(error.value) == f"the saved strategist cannot run in this version: {reason}; train the scenario again"


@pytest.mark.parametrize(
    "change",
    [
        lambda payload: payload["architecture"].__setitem__("prior_gate", True),  # a newer version's option
        lambda payload: payload["architecture"].__setitem__("hidden", 32),  # weights of another shape
    ],
)
def test_loading_an_agent_of_an_architecture_this_version_does_not_build_is_a_clear_error(trained, tmp_path, change):
    _, models = trained
    shutil.copytree(models, tmp_path / "models")
    rewrite_payload(tmp_path / "models" / "bologna_coppia_low_agent.pt", change)
    with pytest.raises(IncompatibleModel) as error:
        load_trained_models("bologna_coppia", tmp_path / "models")
    assert str(error.value).startswith("the saved executor cannot run in this version: its architecture {")
    assert str(error.value).endswith("is not one this version builds; train the scenario again")


def test_evaluate_refuses_an_incompatible_model_in_one_line(trained, tmp_path, capsys):
    _, models = trained
    shutil.copytree(models, tmp_path / "models")
    rewrite_payload(tmp_path / "models" / "bologna_coppia_low_agent.pt", lambda payload: payload.pop("observation"))
    status, _, err = run_main(
        capsys, "evaluate", "--scenario", "bologna_coppia", "--models-dir", str(tmp_path / "models"), "--episodes", "5"
    )
    assert status == 2 and "Traceback" not in err
    assert err == (
        "error: the saved executor cannot run in this version: it was saved before observation "
        "layouts were recorded; train the scenario again\n"
    )


def test_a_history_saved_before_the_key_was_held_out_reads_as_held_out():
    """Histories before 0.1 wrote `heldout`; every reader sees `held_out` (one spelling), the figures unchanged."""
    from hrl_trainer.store.checkpoints import history_from_json

    old = json.dumps({"scenario_name": "x", "heldout": {"households": 200, "avg_reward": 1.5}})
    assert history_from_json(old) == {"scenario_name": "x", "held_out": {"households": 200, "avg_reward": 1.5}}
    today = json.dumps({"held_out": {"households": 3}, "heldout": {"households": 9}})
    assert history_from_json(today)["held_out"] == {"households": 3}


def test_a_run_config_saved_with_heldout_episodes_reads_and_rebuilds_with_held_out_episodes(trained):
    """Configs before 0.1 wrote `heldout_episodes`: the run's config, its history's config and the flat PPO's
    settings rebuilt from it all say `held_out_episodes`, with the saved value."""
    from hrl_trainer.learn.flat import flat_config
    from hrl_trainer.store.checkpoints import history_from_json

    old = {"config": {"scenario_name": "bologna_coppia", "heldout_episodes": 37, "num_episodes": 5}, "seed": 4}
    history = history_from_json(json.dumps({**old, "episodes_completed": 5}))
    assert history["config"] == {"scenario_name": "bologna_coppia", "held_out_episodes": 37, "num_episodes": 5}
    assert flat_config(history).held_out_episodes == 37
    trainer, models = trained
    config_file = models / "runs" / trainer.run_id / "config.json"
    written = config_file.read_bytes()
    saved = json.loads(written)
    assert saved["config"]["held_out_episodes"] == trainer.config.held_out_episodes  # today's spelling written
    saved["config"]["heldout_episodes"] = saved["config"].pop("held_out_episodes")
    config_file.write_text(json.dumps(saved))
    try:
        config = runs.read_run(trainer.run_id, models)["config"]["config"]
    finally:
        config_file.write_bytes(written)
    assert config["held_out_episodes"] == trainer.config.held_out_episodes and "heldout_episodes" not in config
